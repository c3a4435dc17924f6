import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbedded, waitFor, type TestApp } from "../support/embedded-app.ts";
import { LiveClient } from "../support/live-client.ts";

/**
 * Whatever a client sends on /v1/live, the server keeps serving: REST answers and a new client
 * still gets its snapshot. Bad messages are answered with an error; abuse closes the connection.
 */

const MAX_MESSAGE_BYTES = 4096;
const MAX_VIOLATIONS = 4;
const CONTROL_PER_SECOND = 50;

let t: TestApp;
const processFaults: unknown[] = [];
const onFault = (e: unknown) => processFaults.push(e);

beforeAll(async () => {
  process.on("unhandledRejection", onFault);
  process.on("uncaughtException", onFault);
  t = await startEmbedded({
    listen: true,
    env: {
      WS_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES),
      WS_MAX_VIOLATIONS: String(MAX_VIOLATIONS),
      WS_CONTROL_PER_SECOND: String(CONTROL_PER_SECOND),
      WS_MAX_SUBSCRIBE_IDS: "20",
    },
  });
});

afterAll(async () => {
  process.off("unhandledRejection", onFault);
  process.off("uncaughtException", onFault);
  await t?.close();
});

async function stillServes(): Promise<void> {
  const health = await fetch(`${t.url}/healthz`);
  expect(health.status).toBe(200);
  const probe = await LiveClient.connect(t.url);
  try {
    expect(await probe.subscribe(["probe-store"])).toMatchObject({ type: "snapshot", stores: ["probe-store"] });
  } finally {
    probe.ws.terminate();
  }
  expect(processFaults).toEqual([]);
}

type Frame = { data: string | Buffer; binary: boolean };

const text = (s: string): Frame => ({ data: s, binary: false });
const frameArb: fc.Arbitrary<Frame> = fc.oneof(
  fc.jsonValue().map((v) => text(JSON.stringify(v) ?? "null")),
  fc.record({ subscribe: fc.anything() }).map((v) => text(JSON.stringify(v) ?? "{}")),
  fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant(null)), { maxLength: 40 }).map((ids) => text(JSON.stringify({ subscribe: ids }))),
  fc.string({ unit: "grapheme", maxLength: 300 }).map(text),
  fc.uint8Array({ maxLength: 600 }).map((b) => ({ data: Buffer.from(b), binary: true })),
  // raw bytes in a text frame: mostly invalid UTF-8
  fc.uint8Array({ minLength: 1, maxLength: 300 }).map((b) => ({ data: Buffer.from(b), binary: false })),
  fc.integer({ min: MAX_MESSAGE_BYTES + 1, max: 4 * MAX_MESSAGE_BYTES }).map((n) => text(`{"subscribe":["${"a".repeat(n)}"]}`)),
  fc.constantFrom(...["null", "{}", "[]", '{"subscribe":null}', '{"subscribe":"*"}', '{"subscribe":["s1"]}', '{"__proto__":{"subscribe":"*"}}'].map(text)),
);

describe("GET /v1/live under arbitrary input", () => {
  it("property: any sequence of frames (JSON, strings, bytes, binary, oversized, invalid UTF-8) gets answers or a close, never a crash", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(frameArb, { minLength: 1, maxLength: 6 }), async (frames) => {
        const c = await LiveClient.connect(t.url);
        try {
          for (const f of frames) {
            if (c.closeCode !== null) break;
            c.ws.send(f.data, { binary: f.binary });
          }
          // Every frame is answered (error or snapshot) unless the server closed the connection.
          await waitFor(async () => c.closeCode !== null || c.count("error") + c.count("snapshot") >= frames.length, 10_000, 5);
          for (const m of c.messages) expect(["hello", "error", "snapshot", "tick", "allStores"]).toContain(m.type);
          if (c.closeCode !== null) expect([1007, 1008, 1009]).toContain(c.closeCode);
        } finally {
          c.ws.terminate();
        }
        await stillServes();
      }),
      { numRuns: 150 },
    );
  }, 180_000);

  it("the text `null` (the frame that used to kill the process) gets an error and the connection stays usable", async () => {
    const c = await LiveClient.connect(t.url);
    c.ws.send("null");
    expect(await c.next((m) => m.type === "error")).toMatchObject({ code: "INTRADAY_WS_BAD_MESSAGE" });
    expect(await c.subscribe(["s1"])).toMatchObject({ stores: ["s1"] });
    c.ws.terminate();
    await stillServes();
  });

  it("a binary frame gets INTRADAY_WS_BINARY; an oversized frame closes with 1009; invalid UTF-8 closes with 1007", async () => {
    const a = await LiveClient.connect(t.url);
    a.ws.send(Buffer.from('{"subscribe":"*"}'), { binary: true });
    expect(await a.next((m) => m.type === "error")).toMatchObject({ code: "INTRADAY_WS_BINARY" });
    a.ws.send("x".repeat(MAX_MESSAGE_BYTES + 1));
    expect(await a.closed()).toBe(1009);
    const huge = await LiveClient.connect(t.url);
    huge.ws.send(Buffer.alloc(16 * 1024 * 1024, 0x61)); // refused from the frame header, never buffered
    expect(await huge.closed()).toBe(1009);

    const b = await LiveClient.connect(t.url);
    b.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect(await b.closed()).toBe(1007);
    await stillServes();
  });

  it("a frame answered in the same turn as an oversized one: the close still says 1009 (the answer's corked write does not swallow it)", async () => {
    // Found by the property above: the feed corks the connection for the answer to "", ws writes
    // its 1009 close frame behind it, and @fastify/websocket terminated the socket before the uncork.
    for (let i = 0; i < 10; i++) {
      const c = await LiveClient.connect(t.url);
      c.ws.send("");
      c.ws.send("x".repeat(MAX_MESSAGE_BYTES + 1));
      expect(await c.closed()).toBe(1009);
    }
    await stillServes();
  });

  it("more ids than WS_MAX_SUBSCRIBE_IDS get INTRADAY_WS_TOO_MANY_IDS naming the limit", async () => {
    const c = await LiveClient.connect(t.url);
    c.ws.send(JSON.stringify({ subscribe: Array.from({ length: 21 }, (_, i) => `s${i}`) }));
    const err = await c.next((m) => m.type === "error");
    expect(err).toMatchObject({ code: "INTRADAY_WS_TOO_MANY_IDS" });
    expect(String(err.error)).toContain("20");
    c.ws.terminate();
  });

  it(`repeated abuse: the ${MAX_VIOLATIONS}th bad message closes the connection with 1008 (policy violation)`, async () => {
    const c = await LiveClient.connect(t.url);
    for (let i = 0; i < MAX_VIOLATIONS; i++) c.ws.send("null");
    expect(await c.closed()).toBe(1008);
    expect(c.count("error")).toBe(MAX_VIOLATIONS);
    await stillServes();
  });

  it("control messages beyond WS_CONTROL_PER_SECOND are refused with INTRADAY_WS_RATE_LIMITED and count as violations", async () => {
    const c = await LiveClient.connect(t.url);
    const n = CONTROL_PER_SECOND + 2;
    for (let i = 0; i < n; i++) c.ws.send(JSON.stringify({ subscribe: [`r${i}`] }));
    await waitFor(async () => c.closeCode !== null || c.count("error") + c.count("snapshot") >= n);
    expect(c.messages.filter((m) => m.type === "error").every((m) => m.code === "INTRADAY_WS_RATE_LIMITED")).toBe(true);
    expect(c.count("error")).toBeGreaterThanOrEqual(1);
    expect(c.count("snapshot")).toBeLessThanOrEqual(CONTROL_PER_SECOND + 1); // a token may refill during the burst
    c.ws.terminate();
  });
});
