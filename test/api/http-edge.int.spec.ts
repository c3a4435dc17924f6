import { connect, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { embeddedAppPerDescribe, saleEvent, waitFor } from "../support/embedded-app.ts";

/** Issue 7 §1–3 at the HTTP edge: framework errors, 405, media types, aborts, timeouts, keys, rate limits, bounded errors. */

interface RawClient {
  socket: Socket;
  received(): string;
  gone(): boolean;
}

function rawSocket(url: string): Promise<RawClient> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    let data = "";
    let closed = false;
    const socket = connect(Number(port), hostname, () => resolve({ socket, received: () => data, gone: () => closed }));
    socket.on("data", (d) => (data += d.toString()));
    socket.on("close", () => (closed = true));
    socket.on("error", () => undefined);
    socket.once("error", reject);
  });
}

describe("framework errors, methods and media types (no keys)", () => {
  const t = embeddedAppPerDescribe({ listen: true, env: { REQUEST_TIMEOUT_MS: "1500", HEADERS_TIMEOUT_MS: "1000", KEEP_ALIVE_TIMEOUT_MS: "1000" } });

  it.each([
    ["DELETE", "/v1/minutes", "GET, HEAD"],
    ["PUT", "/v1/sales", "POST"],
    ["QUERY", "/healthz", "GET, HEAD"],
    ["POST", "/metrics", "GET, HEAD"],
  ] as const)("%s %s → 405 with Allow: %s and an INTRADAY code", async (method, url, allow) => {
    const res = await t.runtime.app.inject({ method, url });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe(allow);
    expect(res.json()).toMatchObject({ code: "INTRADAY_METHOD_NOT_ALLOWED", retryable: false });
  });

  it("QUERY without a content type on a known path is 405, not 500 (was INTRADAY_INTERNAL)", async () => {
    const res = await fetch(`${t.url}/v1/stores`, { method: "QUERY" });
    expect(res.status).toBe(405);
    expect(((await res.json()) as { code: string }).code).toBe("INTRADAY_METHOD_NOT_ALLOWED");
  });

  it("an unknown path → 404 INTRADAY_NOT_FOUND", async () => {
    const res = await t.runtime.app.inject({ method: "GET", url: "/nope" });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe("INTRADAY_NOT_FOUND");
  });

  it.each(["application/json; charset=latin1", "application/json; charset=UTF-16", 'application/json; charset="iso-8859-1"'])(
    "Content-Type %s → 415 (JSON is UTF-8)",
    async (type) => {
      const res = await t.runtime.app.inject({ method: "POST", url: "/v1/sales", headers: { "content-type": type }, payload: JSON.stringify(saleEvent()) });
      expect(res.statusCode).toBe(415);
      expect(res.json()).toMatchObject({ code: "INTRADAY_UNSUPPORTED_MEDIA_TYPE", error: expect.stringMatching(/charset/) });
    },
  );

  it.each(["application/json; charset=utf-8", "application/json; charset=UTF8", "application/json"])("Content-Type %s → 202", async (type) => {
    const res = await t.runtime.app.inject({ method: "POST", url: "/v1/sales", headers: { "content-type": type }, payload: JSON.stringify(saleEvent()) });
    expect(res.statusCode).toBe(202);
  });

  it.each(["gzip", "br", "deflate"])("Content-Encoding %s → 415 (the server decodes none)", async (encoding) => {
    const res = await t.runtime.app.inject({ method: "POST", url: "/v1/sales", headers: { "content-type": "application/json", "content-encoding": encoding }, payload: "x" });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ code: "INTRADAY_UNSUPPORTED_MEDIA_TYPE", error: expect.stringMatching(/Content-Encoding/) });
  });

  it("no error answer carries a framework (FST_*) code", async () => {
    const probes = [
      t.runtime.app.inject({ method: "POST", url: "/v1/sales", headers: { "content-type": "application/json" }, payload: "" }),
      t.runtime.app.inject({ method: "POST", url: "/v1/sales", headers: { "content-type": "application/json" }, payload: "{" }),
      t.runtime.app.inject({ method: "POST", url: "/v1/sales", headers: { "content-type": "text/csv" }, payload: "a,b" }),
      t.runtime.app.inject({ method: "GET", url: "/v1/minutes?from=x" }),
      t.runtime.app.inject({ method: "OPTIONS", url: "/v1/sales" }),
    ];
    for (const res of await Promise.all(probes)) {
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
      expect(res.json().code).toMatch(/^INTRADAY_[A-Z_]+$/);
    }
  });

  it("lower-case t and z in occurredAt are valid RFC 3339 → 202", async () => {
    const occurredAt = new Date(Date.now() - 5000).toISOString().replace("T", "t").replace("Z", "z");
    const res = await t.runtime.app.inject({ method: "POST", url: "/v1/sales", payload: saleEvent({ occurredAt }) });
    expect(res.statusCode, res.body).toBe(202);
  });

  it("a client that aborts mid-body is not an internal error, and the server goes on serving", async () => {
    const before = t.runtime.metrics.httpErrors.get({ status: 500, code: "INTRADAY_INTERNAL" });
    const s = await rawSocket(t.url);
    s.socket.write("POST /v1/sales HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n[{\"eventId\":");
    s.socket.destroy();
    await waitFor(async () => s.gone());
    const res = await fetch(`${t.url}/healthz`);
    expect(res.status).toBe(200);
    expect(t.runtime.metrics.httpErrors.get({ status: 500, code: "INTRADAY_INTERNAL" })).toBe(before);
  });

  it("a chunked POST that never ends is cut off by the request timeout (was held for ever)", async () => {
    const s = await rawSocket(t.url);
    s.socket.write("POST /v1/sales HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n[\r\n");
    await waitFor(async () => s.gone(), 10_000);
    expect(s.received()).toMatch(/^(HTTP\/1\.1 408|)/);
  });

  it("headers that never end are cut off by the headers timeout", async () => {
    const s = await rawSocket(t.url);
    s.socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    await waitFor(async () => s.gone(), 10_000);
    expect(s.received()).toMatch(/^HTTP\/1\.1 408|^$/);
  });

  it("an idle keep-alive connection is closed after the keep-alive timeout", async () => {
    const s = await rawSocket(t.url);
    s.socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    await waitFor(async () => s.received().includes('{"status":"ok"}'));
    await waitFor(async () => s.gone(), 10_000);
  });
});

describe("bounded error answers (error amplification)", () => {
  const t = embeddedAppPerDescribe();

  it("1,000 events × 1,000 empty lines → one bounded 400 (was 3,000,000 issues and 284 MB)", async () => {
    const lines = Array.from({ length: 1000 }, () => ({}));
    const body = JSON.stringify(Array.from({ length: 1000 }, () => saleEvent({ lines })));
    const started = performance.now();
    const res = await t.runtime.app.inject({ method: "POST", url: "/v1/sales", headers: { "content-type": "application/json" }, payload: body });
    const ms = performance.now() - started;
    expect(res.statusCode).toBe(400);
    const json = res.json();
    expect(json.code).toBe("INTRADAY_INVALID_EVENTS");
    expect(json.issues.length).toBeLessThanOrEqual(100);
    expect(json.moreIssues + (json.moreInvalidEvents ?? 0)).toBeGreaterThan(0);
    expect(json.moreInvalidEvents).toBe(999);
    expect(json.error).toMatch(/^1000 invalid event/);
    expect(res.body.length).toBeLessThan(64 * 1024);
    console.log(`1000×1000 empty lines: 400 in ${ms.toFixed(0)} ms, ${res.body.length} bytes`);
  });

  it("more lines than the cap is one issue per event, not one per line", async () => {
    const lines = Array.from({ length: 1001 }, () => ({ sku: "a", quantity: 1, unitPriceMinor: 1 }));
    const res = await t.runtime.app.inject({ method: "POST", url: "/v1/sales", payload: [saleEvent({ lines })] });
    expect(res.statusCode).toBe(400);
    expect(res.json().issues).toEqual([{ index: 0, path: "lines", message: "at most 1000 lines per event (got 1001)" }]);
  });
});

describe("API keys, read keys and rate limits", () => {
  const t = embeddedAppPerDescribe({ env: { API_KEYS: "ingest-1,ingest-2", READ_API_KEYS: "read-1", INGEST_RATE_LIMIT: "3", INGEST_RATE_WINDOW_MS: "600000", MAX_BODY_BYTES: "65536" } });
  const auth = (key: string) => ({ authorization: `Bearer ${key}` });

  it.each(["bearer", "BEARER", "Bearer", "bEaReR"])("the %s scheme is accepted (case-insensitive, RFC 9110)", async (scheme) => {
    const res = await t.runtime.app.inject({ method: "GET", url: "/v1/stores", headers: { authorization: `${scheme} read-1` } });
    expect(res.statusCode).toBe(200);
  });

  it("the key is checked before the body is read: no key + a body over the limit → 401, not 413", async () => {
    const res = await t.runtime.app.inject({ method: "POST", url: "/v1/sales", headers: { "content-type": "application/json" }, payload: "x".repeat(200_000) });
    expect(res.statusCode).toBe(401);
    expect(res.headers["www-authenticate"]).toBe("Bearer");
  });

  it("reads need a read key (or an ingest key) when read keys are configured; health does not", async () => {
    for (const url of ["/v1/stores", "/metrics", `/v1/minutes?from=${new Date(Date.now() - 60_000).toISOString()}&to=${new Date().toISOString()}`]) {
      expect((await t.runtime.app.inject({ url })).statusCode, url).toBe(401);
      expect((await t.runtime.app.inject({ url, headers: auth("ingest-1") })).statusCode, url).toBe(200);
      expect((await t.runtime.app.inject({ url, headers: auth("read-1") })).statusCode, url).toBe(200);
      expect((await t.runtime.app.inject({ url, headers: auth("nope") })).json().code, url).toBe("INTRADAY_UNAUTHORIZED");
    }
    expect((await t.runtime.app.inject({ url: "/healthz" })).statusCode).toBe(200);
    expect((await t.runtime.app.inject({ url: "/readyz" })).statusCode).toBe(200);
  });

  it("a read key cannot ingest", async () => {
    const res = await t.runtime.app.inject({ method: "POST", url: "/v1/sales", headers: auth("read-1"), payload: saleEvent() });
    expect(res.statusCode).toBe(401);
  });

  it("the OpenAPI document declares bearer security only because keys are configured", async () => {
    const doc = (await t.runtime.app.inject({ url: "/openapi.json" })).json();
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.paths["/v1/sales"].post.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(doc.paths["/v1/sales"].post.responses)).toEqual(expect.arrayContaining(["401", "429"]));
  });

  it("per-key rate limit on ingest: the 4th request in the window → 429 with Retry-After; another key has its own budget", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await t.runtime.app.inject({ method: "POST", url: "/v1/sales", headers: auth("ingest-2"), payload: saleEvent() })).statusCode);
    expect(statuses).toEqual([202, 202, 202, 429]);
    const limited = await t.runtime.app.inject({ method: "POST", url: "/v1/sales", headers: auth("ingest-2"), payload: saleEvent() });
    expect(limited.json()).toMatchObject({ code: "INTRADAY_RATE_LIMITED", retryable: true });
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    expect((await t.runtime.app.inject({ method: "POST", url: "/v1/sales", headers: auth("ingest-1"), payload: saleEvent() })).statusCode).toBe(202);
  });
});

describe("without keys the document declares no security", () => {
  const t = embeddedAppPerDescribe();

  it("no securitySchemes, no 401 or 429 on ingest; every error response has the error body", async () => {
    const doc = (await t.runtime.app.inject({ url: "/openapi.json" })).json();
    expect(doc.components?.securitySchemes).toBeUndefined();
    const responses = doc.paths["/v1/sales"].post.responses;
    expect(Object.keys(responses).sort()).toEqual(["202", "400", "409", "413", "415", "503"]);
    for (const status of ["400", "409", "413", "415", "503"]) {
      expect(responses[status].content["application/json"].schema.properties.code.enum).toContain("INTRADAY_INTERNAL");
    }
    expect(JSON.stringify(doc)).not.toMatch(/FST_/);
  });

  it("the docs UI is served at /docs", async () => {
    const res = await t.runtime.app.inject({ url: "/docs/" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/text\/html/);
  });
});

describe("connection cap", () => {
  const t = embeddedAppPerDescribe({ listen: true, env: { MAX_CONNECTIONS: "2" } });

  it("a connection past INTRADAY_MAX_CONNECTIONS is refused; the held ones still work", async () => {
    const held = [await rawSocket(t.url), await rawSocket(t.url)];
    const extra = await rawSocket(t.url);
    extra.socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    await waitFor(async () => extra.gone(), 10_000);
    expect(extra.received()).toBe("");
    held[0]!.socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    await waitFor(async () => held[0]!.received().includes('{"status":"ok"}'));
    for (const h of held) h.socket.destroy();
  });
});
