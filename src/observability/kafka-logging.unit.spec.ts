import { logLevel } from "kafkajs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { kafkaLogCreator } from "./kafka-logging.ts";
import { logger } from "./logger.ts";

const entry = (message: string, error?: string) => ({ namespace: "x", label: "x", log: { timestamp: "", logger: "kafkajs", message, ...(error ? { error } : {}) } });

describe("kafkaLogCreator", () => {
  afterEach(() => vi.restoreAllMocks());

  function capture() {
    const warn = vi.spyOn(logger, "warn").mockImplementation(() => undefined);
    const error = vi.spyOn(logger, "error").mockImplementation(() => undefined);
    return { warn, error, log: kafkaLogCreator(logLevel.WARN) };
  }

  it("logs kafkajs errors as errors and warnings as warnings", () => {
    const { warn, error, log } = capture();
    log({ level: logLevel.ERROR, ...entry("Connection error", "ECONNREFUSED") });
    log({ level: logLevel.WARN, ...entry("Request timed out") });
    expect(error.mock.calls.map((c) => c[0])).toEqual(["[kafka] Connection error: ECONNREFUSED"]);
    expect(warn.mock.calls.map((c) => c[0])).toEqual(["[kafka] Request timed out"]);
  });

  it("leaves out what kafkajs retries by itself and the warning about retries limited on purpose", () => {
    const { warn, error, log } = capture();
    log({ level: logLevel.ERROR, ...entry("The group is rebalancing, re-joining") });
    log({ level: logLevel.WARN, ...entry("Limiting retries for the idempotent producer may invalidate EoS guarantees") });
    log({ level: logLevel.INFO, ...entry("Consumer has joined the group") });
    expect(error).not.toHaveBeenCalled();
    expect(warn).not.toHaveBeenCalled();
  });

  it("says a repeated line once per interval", () => {
    const { error, log } = capture();
    for (let i = 0; i < 5; i++) log({ level: logLevel.ERROR, ...entry("Broker not available") });
    expect(error).toHaveBeenCalledTimes(1);
  });
});
