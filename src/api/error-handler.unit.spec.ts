import createError from "@fastify/error";
import { describe, expect, it } from "vitest";
import { IngestValidationError } from "../ingest/ingest-service.ts";
import { LogUnavailableError } from "../event-log/ports.ts";
import { toErrorBody } from "./error-handler.ts";
import { CATALOGUE, Errors } from "./errors.ts";

const ctx = { maxBodyBytes: 1024, contentType: "text/csv" };

describe("toErrorBody: everything that carries a status keeps it; only the unknown is a 500", () => {
  it("a catalogued error keeps its code, status and retryable flag", () => {
    for (const [name, E] of Object.entries(Errors)) {
      const { status, body } = toErrorBody(new E("x"), ctx);
      expect(CATALOGUE[body.code].status, name).toBe(status);
      expect(body.retryable).toBe(CATALOGUE[body.code].retryable);
    }
  });

  it("an event-id conflict from the ingest log is a 409 listing the ids", () => {
    const err = Object.assign(new Errors.EventIdConflict("1 eventId(s) were already accepted with a different payload"), { eventIds: ["a"] });
    expect(toErrorBody(err, ctx)).toEqual({
      status: 409,
      body: { error: "1 eventId(s) were already accepted with a different payload", code: "INTRADAY_EVENT_ID_CONFLICT", retryable: false, eventIds: ["a"] },
    });
  });

  it("the log being unavailable is a retryable 503", () => {
    expect(toErrorBody(new LogUnavailableError("broker down"), ctx)).toMatchObject({ status: 503, body: { code: "INTRADAY_LOG_UNAVAILABLE", retryable: true } });
  });

  it("invalid events keep their issues and the counts past the cap", () => {
    const err = new IngestValidationError([{ index: 0, path: "sku", message: "m" }], undefined, 5, 7);
    expect(toErrorBody(err, ctx)).toMatchObject({ status: 400, body: { code: "INTRADAY_INVALID_EVENTS", issues: [{ index: 0 }], moreIssues: 5, moreInvalidEvents: 7 } });
  });

  it.each([
    [400, "INTRADAY_BAD_REQUEST"],
    [404, "INTRADAY_NOT_FOUND"],
    [405, "INTRADAY_METHOD_NOT_ALLOWED"],
    [408, "INTRADAY_REQUEST_TIMEOUT"],
    [413, "INTRADAY_BODY_TOO_LARGE"],
    [415, "INTRADAY_UNSUPPORTED_MEDIA_TYPE"],
    [418, "INTRADAY_BAD_REQUEST"],
    [429, "INTRADAY_RATE_LIMITED"],
    [503, "INTRADAY_NOT_READY"],
  ] as const)("an unknown framework error with status %i passes through as %s, without FST_ in the text", (status, code) => {
    const E = createError("FST_ERR_SOMETHING_NEW", "FST_ERR_SOMETHING_NEW: it broke", status);
    const out = toErrorBody(new E(), ctx);
    expect(out.status).toBe(status);
    expect(out.body.code).toBe(code);
    expect(JSON.stringify(out.body)).not.toMatch(/FST_/);
  });

  it("framework codes we name get our message", () => {
    const E = createError("FST_ERR_CTP_BODY_TOO_LARGE", "Request body is too large", 413);
    expect(toErrorBody(new E(), ctx).body.error).toMatch(/1024 bytes/);
  });

  it("a plain Error, or one with status 500, is an internal error with no detail leaked", () => {
    expect(toErrorBody(new Error("secret detail"), ctx)).toEqual({ status: 500, body: { error: "internal error", code: "INTRADAY_INTERNAL", retryable: true } });
    expect(toErrorBody(Object.assign(new Error("x"), { statusCode: 500 }), ctx).status).toBe(500);
  });

  it("a store that is down or closed is a retryable 503 INTRADAY_STORAGE_UNAVAILABLE, without the driver's detail", () => {
    for (const err of [Object.assign(new Error("connect ECONNREFUSED 10.0.0.7:5432"), { code: "ECONNREFUSED" }), new TypeError("The database connection is not open"), Object.assign(new Error("All host(s) tried"), { name: "NoHostAvailableError" })]) {
      expect(toErrorBody(err, ctx), err.message).toEqual({ status: 503, body: { error: "storage is unavailable; retry later", code: "INTRADAY_STORAGE_UNAVAILABLE", retryable: true } });
    }
  });
});
