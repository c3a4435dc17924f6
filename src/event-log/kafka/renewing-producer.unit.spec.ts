import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, type KafkaJSProtocolError } from "kafkajs";
import { sequenceLost } from "./renewing-producer.ts";

const require = createRequire(import.meta.url);
/** What kafkajs' retrier throws for a non-retriable error (its typings lack the `cause` option). */
const wrapped = (e: Error) => Object.assign(new KafkaJSNonRetriableError(e), { cause: e });
const { createErrorFromCode } = require("kafkajs/src/protocol/error.js") as { createErrorFromCode(code: number): KafkaJSProtocolError };

// The broker's error codes (Kafka protocol): 45 OUT_OF_ORDER_SEQUENCE_NUMBER, 47 INVALID_PRODUCER_EPOCH, 59 UNKNOWN_PRODUCER_ID,
// 7 REQUEST_TIMED_OUT, 6 NOT_LEADER_FOR_PARTITION.
describe("sequenceLost", () => {
  it.each([45, 47, 59])("knows broker error %i, as kafkajs raises it and as its retrier wraps it", (code) => {
    const raised = createErrorFromCode(code);
    expect(sequenceLost(raised)).toBe(true);
    expect(sequenceLost(wrapped(raised))).toBe(true);
    expect(sequenceLost(new (KafkaJSNumberOfRetriesExceeded as unknown as new (e: Error, o: { retryCount: number; retryTime: number }) => Error)(wrapped(raised), { retryCount: 2, retryTime: 100 }))).toBe(true);
  });

  it.each([7, 6])("leaves broker error %i (the batch may have been written) to the caller", (code) => {
    const raised = createErrorFromCode(code);
    expect(sequenceLost(raised)).toBe(false);
    expect(sequenceLost(wrapped(raised))).toBe(false);
  });

  it("is false for errors that are not the broker's, and for a cycle of causes", () => {
    expect(sequenceLost(new Error("Connection closed"))).toBe(false);
    expect(sequenceLost(undefined)).toBe(false);
    const loop: { cause?: unknown } = {};
    loop.cause = loop;
    expect(sequenceLost(loop)).toBe(false);
  });
});
