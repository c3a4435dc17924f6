import { randomUUID } from "node:crypto";
import type { FastifyInstance, InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { LogUnavailableError } from "../../src/event-log/ports.ts";
import type { SqliteLog } from "../../src/event-log/embedded/sqlite-log.ts";
import { partitionFor } from "../../src/event-log/partitioner.ts";
import { saleEvent, startEmbedded, waitFor, type TestApp } from "../support/embedded-app.ts";

/**
 * POST /v1/sales: every 4xx of the contract (status, code and issues naming index, path and reason),
 * all-or-nothing batches, dedupe and the 202 shape. Checks "nothing appended" on the log itself.
 */

const MAX_BATCH = 5;
const MAX_BODY_BYTES = 4096;
const SKEW_MS = 60_000;
const MINUTE = 60_000;

let t: TestApp;
let app: FastifyInstance;
let log: SqliteLog;

beforeAll(async () => {
  t = await startEmbedded({
    env: {
      MAX_BATCH: String(MAX_BATCH),
      MAX_BODY_BYTES: String(MAX_BODY_BYTES),
      MAX_FUTURE_SKEW_MS: String(SKEW_MS),
      MAX_QUERY_RANGE_MS: String(6 * 3600_000),
      GRACE_MS: "1000",
      IDLE_SLACK_MS: "1000",
      CHECKPOINT_MS: "100",
      SWEEP_INTERVAL_MS: "50",
    },
  });
  app = t.runtime.app;
  log = (t.runtime.adapters as unknown as { log: SqliteLog }).log;
});

afterAll(async () => {
  await t?.close();
});

const store = () => `api-${randomUUID().slice(0, 8)}`;

function post(body: unknown, headers: Record<string, string> = {}) {
  return app.inject({ method: "POST", url: "/v1/sales", headers: { "content-type": "application/json", ...headers }, payload: JSON.stringify(body) });
}

/** Records appended to the log over all partitions. */
function logSize(): number {
  let n = 0;
  for (let p = 0; p < log.partitions; p++) n += log.endOffset(p);
  return n;
}

async function minutesOf(storeId: string) {
  const now = Date.now();
  const q = `from=${new Date(now - 3 * 3600_000).toISOString()}&to=${new Date(now + 2 * MINUTE).toISOString()}`;
  const r = await app.inject({ method: "GET", url: `/v1/stores/${storeId}/minutes?${q}` });
  expect(r.statusCode).toBe(200);
  return r.json<{ minutes: Record<string, unknown>[] }>().minutes;
}

/**
 * Waits until the pipeline has applied everything appended so far to storeId's partition: a marker
 * sale of another store on the same partition is posted and waited for (a partition is applied in
 * order), so "still nothing" / "still once" is a fact, not a guess after a pause.
 */
async function partitionSettled(storeId: string): Promise<void> {
  const p = partitionFor(storeId, log.partitions);
  let marker = store();
  while (partitionFor(marker, log.partitions) !== p) marker = store();
  expect((await post(saleEvent({ storeId: marker }))).statusCode).toBe(202);
  await waitFor(async () => (await minutesOf(marker)).length > 0);
}

interface Issue {
  index: number;
  path: string;
  message: string;
}

/** A 400 INVALID_EVENTS whose issues are exactly at the expected (index, path) pairs, with reasons matching. */
function expectInvalid(res: Awaited<ReturnType<typeof post>>, expected: { index: number; path: string; message: RegExp }[]): Issue[] {
  expect(res.statusCode, res.body).toBe(400);
  const body = res.json<{ error: string; code: string; issues: Issue[] }>();
  expect(body.code).toBe("INTRADAY_INVALID_EVENTS");
  expect(typeof body.error).toBe("string");
  expect(body.error.length).toBeGreaterThan(0);
  for (const e of expected) {
    const hit = body.issues.find((i) => i.index === e.index && i.path === e.path);
    expect(hit, `no issue at index ${e.index} path ${e.path} in ${JSON.stringify(body.issues)}`).toBeDefined();
    expect(hit!.message).toMatch(e.message);
  }
  // Only the bad events are listed.
  expect(new Set(body.issues.map((i) => i.index))).toEqual(new Set(expected.map((e) => e.index)));
  return body.issues;
}

describe("POST /v1/sales validation: one bad field → 400 naming index, path and reason, nothing appended", () => {
  const line = { sku: "sku-1", quantity: 2, unitPriceMinor: 250 };
  const cases: { name: string; event: (e: Record<string, unknown>) => Record<string, unknown>; path: string; message: RegExp }[] = [
    { name: "eventId not a string", event: (e) => ({ ...e, eventId: 12345 }), path: "eventId", message: /UUID/ },
    { name: "eventId not a UUID", event: (e) => ({ ...e, eventId: "order-17" }), path: "eventId", message: /UUID/ },
    { name: "storeId a number", event: (e) => ({ ...e, storeId: 7 }), path: "storeId", message: /./ },
    { name: "storeId with a space", event: (e) => ({ ...e, storeId: "store 1" }), path: "storeId", message: /A-Z a-z 0-9/ },
    { name: "storeId too long", event: (e) => ({ ...e, storeId: "s".repeat(65) }), path: "storeId", message: /1–64/ },
    { name: "type unknown", event: (e) => ({ ...e, type: "purchase" }), path: "type", message: /sale.*refund/ },
    { name: "lines not an array", event: (e) => ({ ...e, lines: "sku-1 x2" }), path: "lines", message: /array/ },
    { name: "lines empty", event: (e) => ({ ...e, lines: [] }), path: "lines", message: /must not be empty/ },
    { name: "quantity a string", event: (e) => ({ ...e, lines: [{ ...line, quantity: "2" }] }), path: "lines.0.quantity", message: /integer/ },
    { name: "quantity 0", event: (e) => ({ ...e, lines: [{ ...line, quantity: 0 }] }), path: "lines.0.quantity", message: /at least 1/ },
    { name: "quantity fractional", event: (e) => ({ ...e, lines: [{ ...line, quantity: 1.5 }] }), path: "lines.0.quantity", message: /integer/ },
    { name: "non-integer price", event: (e) => ({ ...e, lines: [line, { ...line, unitPriceMinor: 2.5 }] }), path: "lines.1.unitPriceMinor", message: /integer/ },
    { name: "negative price", event: (e) => ({ ...e, lines: [{ ...line, unitPriceMinor: -1 }] }), path: "lines.0.unitPriceMinor", message: /≥ 0/ },
    { name: "empty sku", event: (e) => ({ ...e, lines: [{ ...line, sku: "" }] }), path: "lines.0.sku", message: /empty/ },
    { name: "currency lower case", event: (e) => ({ ...e, currency: "eur" }), path: "currency", message: /upper-case ISO 4217/ },
    { name: "currency not ISO 4217", event: (e) => ({ ...e, currency: "XYZ" }), path: "currency", message: /not an ISO 4217/ },
    { name: "currency too long", event: (e) => ({ ...e, currency: "EURO" }), path: "currency", message: /3-letter/ },
    { name: "currency missing", event: ({ currency: _c, ...e }) => e, path: "currency", message: /./ },
    { name: "totalMinor not matching lines", event: (e) => ({ ...e, totalMinor: 499 }), path: "totalMinor", message: /499 does not equal the sum of lines 500/ },
    { name: "totalMinor not an integer", event: (e) => ({ ...e, totalMinor: 500.5 }), path: "totalMinor", message: /integer/ },
    { name: "totalMinor a string", event: (e) => ({ ...e, totalMinor: "500" }), path: "totalMinor", message: /integer/ },
    { name: "occurredAt without offset", event: (e) => ({ ...e, occurredAt: "2026-03-01T10:15:00" }), path: "occurredAt", message: /offset/ },
    { name: "occurredAt not a date", event: (e) => ({ ...e, occurredAt: "yesterday" }), path: "occurredAt", message: /RFC 3339/ },
    { name: "occurredAt a number", event: (e) => ({ ...e, occurredAt: Date.now() }), path: "occurredAt", message: /./ },
    {
      name: "occurredAt beyond the future skew",
      event: (e) => ({ ...e, occurredAt: new Date(Date.now() + SKEW_MS + 5 * MINUTE).toISOString() }),
      path: "occurredAt",
      message: /in the future/,
    },
    { name: "unknown top-level field (strict)", event: (e) => ({ ...e, discountMinor: 50 }), path: "(event)", message: /unknown field.*discountMinor/ },
    { name: "unknown line field (strict)", event: (e) => ({ ...e, lines: [{ ...line, taxMinor: 3 }] }), path: "lines.0", message: /unknown field.*taxMinor/ },
    { name: "unsupported schemaVersion", event: (e) => ({ ...e, schemaVersion: 2 }), path: "schemaVersion", message: /./ },
  ];

  it.each(cases)("$name → 400 at $path", async ({ event, path, message }) => {
    const storeId = store();
    const before = logSize();
    const res = await post(event(saleEvent({ storeId })));
    expectInvalid(res, [{ index: 0, path, message }]);
    expect(logSize()).toBe(before);
  });

  it("a body that is JSON but not an event (null, number, string) → 400 at index 0", async () => {
    for (const body of [null, 42, "an event"]) expectInvalid(await post(body), [{ index: 0, path: "(event)", message: /expected object/ }]);
  });

  it("every bad field of one event is listed, not just the first", async () => {
    const res = await post(saleEvent({ currency: "usd", type: "gift", lines: [{ sku: "a", quantity: 0, unitPriceMinor: 1 }] }));
    const issues = expectInvalid(res, [
      { index: 0, path: "currency", message: /upper-case/ },
      { index: 0, path: "type", message: /sale/ },
      { index: 0, path: "lines.0.quantity", message: /at least 1/ },
    ]);
    expect(issues.length).toBeGreaterThanOrEqual(3);
  });

  it("occurredAt with a non-UTC offset and within the skew is accepted", async () => {
    const storeId = store();
    const soon = new Date(Date.now() + SKEW_MS / 2);
    // Same instant written with a +02:00 offset.
    const local = new Date(soon.getTime() + 2 * 3600_000).toISOString().replace("Z", "+02:00");
    const res = await post(saleEvent({ storeId, occurredAt: local }));
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toEqual({ accepted: 1, duplicates: 0 });
  });
});

describe("POST /v1/sales batches: all or nothing", () => {
  it("an empty array → 400, nothing appended", async () => {
    const before = logSize();
    expectInvalid(await post([]), [{ index: 0, path: "(body)", message: /empty/ }]);
    expect(logSize()).toBe(before);
  });

  it(`a batch over MAX_BATCH (${MAX_BATCH}) → 400 saying the limit, nothing appended; exactly MAX_BATCH → 202`, async () => {
    const storeId = store();
    const before = logSize();
    const res = await post(Array.from({ length: MAX_BATCH + 1 }, () => saleEvent({ storeId })));
    const [issue] = expectInvalid(res, [{ index: MAX_BATCH, path: "(body)", message: new RegExp(`at most ${MAX_BATCH} events.*got ${MAX_BATCH + 1}`) }]);
    expect(issue).toBeDefined();
    expect(logSize()).toBe(before);
    const ok = await post(Array.from({ length: MAX_BATCH }, () => saleEvent({ storeId })));
    expect(ok.statusCode).toBe(202);
    expect(ok.json()).toEqual({ accepted: MAX_BATCH, duplicates: 0 });
    expect(logSize()).toBe(before + MAX_BATCH);
  });

  it("one bad event among good ones → 400 listing only that index; nothing of the request is appended or counted", async () => {
    const storeId = store();
    const occurredAt = new Date(Math.floor(Date.now() / MINUTE) * MINUTE).toISOString(); // one minute for all
    const good = [1, 2, 3, 4].map(() => saleEvent({ storeId, occurredAt }));
    const bad = saleEvent({ storeId, lines: [{ sku: "x", quantity: 0, unitPriceMinor: 100 }] });
    const before = logSize();
    const res = await post([good[0], good[1], bad, good[2], good[3]]);
    expectInvalid(res, [{ index: 2, path: "lines.0.quantity", message: /at least 1/ }]);
    expect(res.json<{ error: string }>().error).toMatch(/1 invalid event.*nothing was accepted/);
    expect(logSize()).toBe(before);
    await partitionSettled(storeId);
    expect(await minutesOf(storeId)).toEqual([]);
    // The good event ids were not remembered either: re-sending them is accepted, not "duplicate".
    const retry = await post(good);
    expect(retry.statusCode).toBe(202);
    expect(retry.json()).toEqual({ accepted: 4, duplicates: 0 });
    const [row] = await waitFor(async () => {
      const m = await minutesOf(storeId);
      return m.length > 0 && m[0]!.saleCount === 4 && m;
    });
    expect(row).toMatchObject({ saleCount: 4, grossMinor: 2000, itemCount: 8 });
  });

  it("several bad events → every bad index listed, the good ones not", async () => {
    const storeId = store();
    const res = await post([
      saleEvent({ storeId }),
      saleEvent({ storeId, currency: "eur" }),
      saleEvent({ storeId }),
      saleEvent({ storeId, totalMinor: 1 }),
    ]);
    expectInvalid(res, [
      { index: 1, path: "currency", message: /upper-case/ },
      { index: 3, path: "totalMinor", message: /does not equal/ },
    ]);
    expect(res.json<{ error: string }>().error).toMatch(/2 invalid event/);
  });
});

describe("POST /v1/sales body and media type", () => {
  it(`a body over MAX_BODY_BYTES (${MAX_BODY_BYTES}) → 413, nothing appended`, async () => {
    const before = logSize();
    const lines = Array.from({ length: 100 }, (_, i) => ({ sku: `sku-${i}`, quantity: 1, unitPriceMinor: 100 }));
    const body = JSON.stringify(saleEvent({ storeId: store(), lines }));
    expect(body.length).toBeGreaterThan(MAX_BODY_BYTES);
    const res = await app.inject({ method: "POST", url: "/v1/sales", headers: { "content-type": "application/json" }, payload: body });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ code: "INTRADAY_BODY_TOO_LARGE", error: expect.stringMatching(new RegExp(`${MAX_BODY_BYTES} bytes`)) });
    expect(logSize()).toBe(before);
  });

  it.each([
    ["text/plain", JSON.stringify(saleEvent())],
    ["text/plain; charset=utf-8", JSON.stringify(saleEvent())],
    ["application/x-www-form-urlencoded", "eventId=1&storeId=s"],
    ["multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x--\r\n"],
    ["application/xml", "<sale/>"],
  ])("content type %s → 415, nothing appended", async (type, payload) => {
    const before = logSize();
    const res = await app.inject({ method: "POST", url: "/v1/sales", headers: { "content-type": type }, payload });
    expect(res.statusCode, res.body).toBe(415);
    expect(res.json()).toMatchObject({ code: "INTRADAY_UNSUPPORTED_MEDIA_TYPE", error: expect.stringContaining("application/json") });
    expect(logSize()).toBe(before);
  });

  it("application/json with a charset is accepted", async () => {
    const res = await app.inject({ method: "POST", url: "/v1/sales", headers: { "content-type": "application/json; charset=utf-8" }, payload: JSON.stringify(saleEvent({ storeId: store() })) });
    expect(res.statusCode).toBe(202);
  });

  it.each([
    ["truncated", '{"eventId": "'],
    ["trailing comma", `[${JSON.stringify(saleEvent())},]`],
    ["single quotes", "{'eventId': 'x'}"],
    ["empty body", ""],
  ])("malformed JSON (%s) → 400 INTRADAY_BAD_JSON", async (_name, payload) => {
    const before = logSize();
    const res = await app.inject({ method: "POST", url: "/v1/sales", headers: { "content-type": "application/json" }, payload });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: "INTRADAY_BAD_JSON", error: expect.stringMatching(/JSON/) });
    expect(logSize()).toBe(before);
  });
});

describe("POST /v1/sales dedupe and the 202 shape", () => {
  it("202 is exactly {accepted, duplicates} and the record is on the log", async () => {
    const before = logSize();
    const res = await post(saleEvent({ storeId: store() }));
    expect(res.statusCode).toBe(202);
    expect(res.json()).toStrictEqual({ accepted: 1, duplicates: 0 });
    expect(logSize()).toBe(before + 1);
  });

  it("duplicate eventIds within a request and across requests are counted once, in the response and in the minute totals", async () => {
    const storeId = store();
    const minute = Math.floor(Date.now() / MINUTE) * MINUTE;
    const occurredAt = new Date(minute).toISOString();
    const a = saleEvent({ storeId, occurredAt });
    const b = saleEvent({ storeId, occurredAt, lines: [{ sku: "b", quantity: 1, unitPriceMinor: 1000 }] });
    const before = logSize();
    const first = await post([a, b, a, { ...a }]);
    expect(first.statusCode).toBe(202);
    expect(first.json()).toEqual({ accepted: 2, duplicates: 2 });
    expect(logSize()).toBe(before + 2);
    // A retry of the whole request: all duplicates.
    const retry = await post([a, b]);
    expect(retry.json()).toEqual({ accepted: 0, duplicates: 2 });
    // The same id in upper case is the same UUID.
    const upper = await post({ ...a, eventId: String(a.eventId).toUpperCase() });
    expect(upper.json()).toEqual({ accepted: 0, duplicates: 1 });
    // A retry mixing a duplicate with a new event.
    const c = saleEvent({ storeId, occurredAt, type: "refund", lines: [{ sku: "b", quantity: 1, unitPriceMinor: 300 }] });
    const mixed = await post([b, c]);
    expect(mixed.json()).toEqual({ accepted: 1, duplicates: 1 });
    expect(logSize()).toBe(before + 3);

    const rows = await waitFor(async () => {
      const m = await minutesOf(storeId);
      return m.length === 1 && m[0]!.refundCount === 1 && m;
    });
    expect(rows[0]).toMatchObject({ minute: occurredAt, currency: "EUR", saleCount: 2, refundCount: 1, grossMinor: 1500, refundMinor: 300, netMinor: 1200, itemCount: 3 });
    // Still once after the pipeline has applied everything on the partition.
    await partitionSettled(storeId);
    expect((await minutesOf(storeId))[0]).toMatchObject({ saleCount: 2, refundCount: 1, netMinor: 1200 });
  });

  it("a log that is unavailable → 503 with Retry-After, never 202", async () => {
    const spy = vi.spyOn(log, "appendNew").mockRejectedValueOnce(new LogUnavailableError("broker down", 7));
    try {
      const res = await post(saleEvent({ storeId: store() }));
      expect(res.statusCode).toBe(503);
      expect(res.headers["retry-after"]).toBe("7");
      expect(res.json()).toMatchObject({ code: "INTRADAY_LOG_UNAVAILABLE", error: expect.stringMatching(/nothing was accepted/) });
    } finally {
      spy.mockRestore();
    }
  });

  it("a closed log → 503, not 500", async () => {
    const spy = vi.spyOn(log, "isAvailable").mockReturnValue(false);
    const append = vi.spyOn(log, "appendNew");
    try {
      const res = await post(saleEvent({ storeId: store() }));
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ code: "INTRADAY_LOG_UNAVAILABLE" });
      expect(res.headers["retry-after"]).toBeDefined();
      expect(append).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
      append.mockRestore();
    }
  });
});

describe("GET is not POST", () => {
  it("an unknown route → 404 with a code", async () => {
    const res = await app.inject({ method: "GET", url: "/v1/nope" } as InjectOptions);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: "INTRADAY_NOT_FOUND" });
  });
});
