import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SqliteLog } from "../../src/event-log/embedded/sqlite-log.ts";
import { saleEvent, startEmbedded, waitFor, type TestApp } from "../support/embedded-app.ts";

/** API keys on POST, and the operational endpoints: healthz, readyz, metrics, openapi.json, pages. */

let t: TestApp;
let app: FastifyInstance;
let log: SqliteLog;

beforeAll(async () => {
  t = await startEmbedded({ env: { API_KEYS: "key-one, key-two", CHECKPOINT_MS: "100", SWEEP_INTERVAL_MS: "50" } });
  app = t.runtime.app;
  log = (t.runtime.adapters as unknown as { log: SqliteLog }).log;
});

afterAll(async () => {
  await t?.close();
});

function logSize(): number {
  let n = 0;
  for (let p = 0; p < log.partitions; p++) n += log.endOffset(p);
  return n;
}

const post = (body: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: "POST", url: "/v1/sales", headers: { "content-type": "application/json", ...headers }, payload: JSON.stringify(body) });

function metricValue(text: string, name: string, labels = ""): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name}${labels} `));
  return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : 0;
}

describe("INTRADAY_API_KEYS: POST needs Authorization: Bearer <key>", () => {
  it.each([
    ["no Authorization header", undefined, /needs Authorization: Bearer/],
    ["a wrong key", "Bearer key-three", /unknown API key/],
    ["a key prefix", "Bearer key-on", /unknown API key/],
    ["the right key with the wrong scheme", "Basic key-one", /needs Authorization: Bearer/],
    ["an empty bearer", "Bearer ", /needs Authorization: Bearer/],
  ])("%s → 401 with WWW-Authenticate, nothing appended", async (_name, auth, message) => {
    const before = logSize();
    const res = await post(saleEvent(), auth === undefined ? {} : { authorization: auth });
    expect(res.statusCode).toBe(401);
    expect(res.headers["www-authenticate"]).toBe("Bearer");
    expect(res.json()).toMatchObject({ code: "INTRADAY_UNAUTHORIZED", error: expect.stringMatching(message) });
    expect(logSize()).toBe(before);
  });

  it("an invalid body without a key is 401, not 400 (auth is checked first)", async () => {
    const res = await post({ nonsense: true });
    expect(res.statusCode).toBe(401);
  });

  it.each(["key-one", "key-two"])("the right key (%s, whitespace trimmed from the list) → 202", async (key) => {
    const before = logSize();
    const res = await post(saleEvent(), { authorization: `Bearer ${key}` });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ accepted: 1, duplicates: 0 });
    expect(logSize()).toBe(before + 1);
  });

  it("reads do not need a key", async () => {
    const now = Date.now();
    const res = await app.inject({ method: "GET", url: `/v1/minutes?from=${new Date(now - 60_000).toISOString()}&to=${new Date(now).toISOString()}` });
    expect(res.statusCode).toBe(200);
  });
});

describe("ops endpoints", () => {
  it("healthz → 200 ok; readyz → 200 ready with its checks", async () => {
    const h = await app.inject({ method: "GET", url: "/healthz" });
    expect(h.statusCode).toBe(200);
    expect(h.json()).toEqual({ status: "ok" });
    const r = await app.inject({ method: "GET", url: "/readyz" });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ status: "ready", checks: { log: "ok", processing: "running" } });
  });

  it("readyz → 503 when the log is not available", async () => {
    const orig = log.isAvailable.bind(log);
    log.isAvailable = () => false;
    try {
      const r = await app.inject({ method: "GET", url: "/readyz" });
      expect(r.statusCode).toBe(503);
      expect(r.json()).toMatchObject({ status: "not ready", checks: { log: "closed" } });
    } finally {
      log.isAvailable = orig;
    }
  });

  it("metrics: Prometheus text with the documented names; counters move with traffic", async () => {
    const scrape = async () => {
      const r = await app.inject({ method: "GET", url: "/metrics" });
      expect(r.statusCode).toBe(200);
      expect(r.headers["content-type"]).toMatch(/^text\/plain/);
      return r.body;
    };
    const before = await scrape();
    for (const name of [
      "intraday_ingest_events_total",
      "intraday_ingest_requests_total",
      "intraday_ingest_rejected_events_total",
      "intraday_processed_events_total",
      "intraday_late_events_total",
      "intraday_dead_letters_total",
      "intraday_minute_row_writes_total",
      "intraday_flush_seconds",
      "intraday_open_windows",
      "intraday_store_actors",
      "intraday_consumer_lag",
      "intraday_websocket_clients",
      "intraday_websocket_dropped_total",
    ]) {
      expect(before, name).toMatch(new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, "m"));
    }
    // Every sample line is "name{labels} number".
    for (const l of before.split("\n").filter((x) => x && !x.startsWith("#"))) expect(l).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? -?[0-9.e+-]+$/);

    const auth = { authorization: "Bearer key-one" };
    const e = saleEvent({ storeId: "metrics-store" });
    expect((await post([e, saleEvent({ storeId: "metrics-store" })], auth)).statusCode).toBe(202);
    expect((await post(e, auth)).statusCode).toBe(202); // duplicate
    expect((await post([saleEvent(), saleEvent({ currency: "eur" }), saleEvent({ type: "x" })], auth)).statusCode).toBe(400);
    expect((await post(saleEvent())).statusCode).toBe(401);

    const after = await waitFor(async () => {
      const s = await scrape();
      return metricValue(s, "intraday_processed_events_total", '{outcome="applied"}') >= metricValue(before, "intraday_processed_events_total", '{outcome="applied"}') + 2 && s;
    });
    const delta = (name: string, labels = "") => metricValue(after, name, labels) - metricValue(before, name, labels);
    expect(delta("intraday_ingest_events_total", '{result="accepted"}')).toBe(2);
    expect(delta("intraday_ingest_events_total", '{result="duplicate"}')).toBe(1);
    expect(delta("intraday_ingest_rejected_events_total")).toBe(2);
    expect(delta("intraday_ingest_requests_total", '{status="202"}')).toBe(2);
    expect(delta("intraday_ingest_requests_total", '{status="400"}')).toBe(1);
    expect(delta("intraday_ingest_requests_total", '{status="401"}')).toBe(1);
    // Open windows and row writes follow processing (wall-clock pass every 2 s for the gauge).
    await waitFor(async () => metricValue(await scrape(), "intraday_minute_row_writes_total") > metricValue(before, "intraday_minute_row_writes_total"), 10_000);
  });

  it("openapi.json: a valid OpenAPI 3.1 document listing every public path with its operations", async () => {
    const r = await app.inject({ method: "GET", url: "/openapi.json" });
    expect(r.statusCode).toBe(200);
    expect(r.headers["content-type"]).toMatch(/application\/json/);
    const doc = r.json<{ openapi: string; info: { title: string; version: string }; paths: Record<string, Record<string, { responses?: Record<string, unknown>; parameters?: { name: string; in: string; required: boolean }[]; requestBody?: unknown }>> }>();
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc.info.title).toBeTruthy();
    expect(doc.info.version).toBeTruthy();
    const expected: Record<string, string> = {
      "/v1/sales": "post",
      "/v1/stores/{storeId}/minutes": "get",
      "/v1/minutes": "get",
      "/v1/stores": "get",
      "/v1/top-stores": "get",
      "/v1/late-events": "get",
      "/healthz": "get",
      "/readyz": "get",
      "/metrics": "get",
    };
    for (const [path, method] of Object.entries(expected)) expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    const methods = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace", "summary", "description", "parameters"]);
    for (const [path, item] of Object.entries(doc.paths)) {
      expect(path.startsWith("/")).toBe(true);
      for (const k of Object.keys(item)) expect(methods.has(k), `${path}.${k}`).toBe(true);
      // Every path template variable is declared as a required path parameter.
      for (const v of path.match(/\{(\w+)\}/g) ?? []) {
        for (const op of Object.values(item)) expect(op.parameters?.some((p) => p.in === "path" && p.name === v.slice(1, -1) && p.required)).toBe(true);
      }
    }
    const sales = doc.paths["/v1/sales"]!.post!;
    expect(Object.keys(sales.responses!)).toEqual(expect.arrayContaining(["202", "400", "401", "413", "415", "503"]));
    expect(JSON.stringify(sales.requestBody)).toMatch(/"additionalProperties":false/); // strict events are documented
    const mins = doc.paths["/v1/minutes"]!.get!;
    expect(mins.parameters!.filter((p) => p.in === "query" && p.required).map((p) => p.name).sort()).toEqual(["from", "to"]);
    // The document's paths are served.
    const now = Date.now();
    const q = `from=${new Date(now - 60_000).toISOString()}&to=${new Date(now).toISOString()}`;
    for (const url of ["/v1/stores", "/v1/stores/s1/minutes?" + q, "/v1/minutes?" + q, "/v1/top-stores?currency=EUR&" + q, "/v1/late-events?" + q, "/healthz", "/readyz", "/metrics"]) {
      expect((await app.inject({ method: "GET", url })).statusCode, url).toBe(200);
    }
  });

  it("the live page and the docs page are served as HTML", async () => {
    for (const url of ["/", "/docs"]) {
      const r = await app.inject({ method: "GET", url });
      expect(r.statusCode).toBe(200);
      expect(r.headers["content-type"]).toMatch(/text\/html/);
    }
  });
});
