import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saleEvent, startEmbedded, waitFor, type TestApp } from "../support/embedded-app.ts";
import type { PublicMinute } from "../../src/domain/public-minute.ts";

/** The read side: minutes per store and for all stores, top stores, stores, late events, and every 400 of a query. */

const MINUTE = 60_000;
const MAX_RANGE_MS = 3 * 3600_000;
const ALLOWED_LATENESS_MS = 10 * MINUTE;

let t: TestApp;
let app: FastifyInstance;

beforeAll(async () => {
  t = await startEmbedded({
    env: {
      MAX_QUERY_RANGE_MS: String(MAX_RANGE_MS),
      GRACE_MS: "500",
      IDLE_SLACK_MS: "500",
      ALLOWED_LATENESS_MS: String(ALLOWED_LATENESS_MS),
      CHECKPOINT_MS: "100",
      SWEEP_INTERVAL_MS: "50",
    },
  });
  app = t.runtime.app;
});

afterAll(async () => {
  await t?.close();
});

const store = (p = "q") => `${p}-${randomUUID().slice(0, 8)}`;
const iso = (ms: number) => new Date(ms).toISOString();
const minuteOf = (ms: number) => Math.floor(ms / MINUTE) * MINUTE;

async function post(body: unknown) {
  const r = await app.inject({ method: "POST", url: "/v1/sales", payload: body as object });
  expect(r.statusCode, r.body).toBe(202);
  return r.json<{ accepted: number; duplicates: number }>();
}

async function get<T = Record<string, unknown>>(url: string, status = 200): Promise<T> {
  const r = await app.inject({ method: "GET", url });
  expect(r.statusCode, `${url}: ${r.body}`).toBe(status);
  return r.json<T>();
}

type Row = PublicMinute;

const range = (from: number, to: number) => `from=${encodeURIComponent(iso(from))}&to=${encodeURIComponent(iso(to))}`;
const storeMinutes = async (storeId: string, from: number, to: number) => (await get<{ minutes: Row[] }>(`/v1/stores/${storeId}/minutes?${range(from, to)}`)).minutes;
const allMinutes = async (from: number, to: number) => (await get<{ minutes: Row[] }>(`/v1/minutes?${range(from, to)}`)).minutes;

function line(quantity: number, unitPriceMinor: number) {
  return [{ sku: "sku", quantity, unitPriceMinor }];
}

describe("query validation → 400 INTRADAY_BAD_QUERY with the offending parameter", () => {
  const now = Date.now();
  const ok = range(now - MINUTE, now);
  const endpoints = ["/v1/stores/store-1/minutes", "/v1/minutes", "/v1/top-stores", "/v1/late-events"];
  const extra = (ep: string) => (ep === "/v1/top-stores" ? "&currency=EUR" : "");
  const bad: { name: string; query: string; path: string; message: RegExp }[] = [
    { name: "from = to", query: range(now, now), path: "from", message: /before/ },
    { name: "from > to", query: range(now, now - MINUTE), path: "from", message: /before/ },
    { name: "over the max range", query: range(now - MAX_RANGE_MS - MINUTE, now), path: "to", message: /at most/ },
    { name: "from not ISO", query: `from=yesterday&to=${encodeURIComponent(iso(now))}`, path: "from", message: /ISO 8601/ },
    { name: "to without offset", query: `from=${encodeURIComponent(iso(now - MINUTE))}&to=2026-01-01T10:00:00`, path: "to", message: /offset/ },
    { name: "to missing", query: `from=${encodeURIComponent(iso(now - MINUTE))}`, path: "to", message: /./ },
    { name: "nothing", query: "", path: "from", message: /./ },
    { name: "unknown parameter", query: `${ok}&store=abc`, path: "query", message: /unknown parameter.*store/ },
  ];
  for (const ep of endpoints) {
    it.each(bad)(`${ep}: $name`, async ({ query, path, message }) => {
      const body = await get<{ code: string; error: string; issues: { path: string; message: string }[] }>(`${ep}?${query}${extra(ep)}`, 400);
      expect(body.code).toBe("INTRADAY_BAD_QUERY");
      expect(body.error.length).toBeGreaterThan(0);
      const hit = body.issues.find((i) => i.path === path);
      expect(hit, JSON.stringify(body.issues)).toBeDefined();
      expect(hit!.message).toMatch(message);
    });
    it(`${ep}: a valid range (exactly the max) → 200`, async () => {
      await get(`${ep}?${range(now - MAX_RANGE_MS, now)}${extra(ep)}`);
    });
  }

  it.each([
    ["/v1/stores/bad%20store/minutes", "storeId", /A-Z/],
    [`/v1/stores/${"s".repeat(65)}/minutes`, "storeId", /1–64/],
  ])("bad storeId in the path %s → 400", async (path, field, message) => {
    const body = await get<{ code: string; issues: { path: string; message: string }[] }>(`${path}?${ok}`, 400);
    expect(body.code).toBe("INTRADAY_BAD_QUERY");
    expect(body.issues.find((i) => i.path === field)?.message).toMatch(message);
  });

  it.each([
    ["currency missing", "", "currency"],
    ["currency lower case", "&currency=eur", "currency"],
    ["limit 0", "&currency=EUR&limit=0", "limit"],
    ["limit not a number", "&currency=EUR&limit=ten", "limit"],
    ["limit over 1000", "&currency=EUR&limit=1001", "limit"],
  ])("top-stores: %s → 400", async (_n, q, field) => {
    const body = await get<{ code: string; issues: { path: string }[] }>(`/v1/top-stores?${ok}${q}`, 400);
    expect(body.code).toBe("INTRADAY_BAD_QUERY");
    expect(body.issues.map((i) => i.path)).toContain(field);
  });

  it("late-events: bad storeId filter → 400", async () => {
    const body = await get<{ code: string; issues: { path: string }[] }>(`/v1/late-events?${ok}&storeId=a%20b`, 400);
    expect(body.code).toBe("INTRADAY_BAD_QUERY");
    expect(body.issues.map((i) => i.path)).toContain("storeId");
  });
});

describe("minutes", () => {
  it("per store: the open minute is provisional with the contract fields; net = gross − refunds; itemCount counts units sold", async () => {
    const storeId = store();
    const m = minuteOf(Date.now());
    const at = iso(m);
    await post([
      saleEvent({ storeId, occurredAt: at, lines: [{ sku: "a", quantity: 3, unitPriceMinor: 199 }, { sku: "b", quantity: 1, unitPriceMinor: 1000 }], totalMinor: 1597 }),
      saleEvent({ storeId, occurredAt: at, lines: line(2, 500) }),
      saleEvent({ storeId, occurredAt: at, type: "refund", lines: line(1, 199) }),
    ]);
    const rows = await waitFor(async () => {
      const r = await storeMinutes(storeId, m - MINUTE, m + 2 * MINUTE);
      return r.length === 1 && r[0]!.refundCount === 1 && r[0]!.saleCount === 2 && r;
    });
    const row = rows[0]!;
    expect(Object.keys(row).sort()).toEqual(["currency", "grossMinor", "itemCount", "minute", "netMinor", "provisional", "refundCount", "refundMinor", "saleCount"].sort());
    expect(row).toMatchObject({ minute: at, currency: "EUR", saleCount: 2, refundCount: 1, grossMinor: 2597, refundMinor: 199, netMinor: 2398, itemCount: 6 });
    // Open (or only just closed, if the test straddles a minute boundary).
    if (Date.now() < m + MINUTE) expect(row.provisional).toBe(true);
  });

  it("several currencies are never summed: one row per currency, per store and for all stores", async () => {
    const s1 = store();
    const s2 = store();
    const m = minuteOf(Date.now()) - 3 * MINUTE; // closed, within lateness
    const at = iso(m + 10_000);
    await post([
      saleEvent({ storeId: s1, occurredAt: at, currency: "EUR", lines: line(1, 1000) }),
      saleEvent({ storeId: s1, occurredAt: at, currency: "USD", lines: line(1, 700) }),
      saleEvent({ storeId: s1, occurredAt: at, currency: "JPY", lines: line(2, 150) }),
      saleEvent({ storeId: s2, occurredAt: at, currency: "EUR", lines: line(1, 50) }),
      saleEvent({ storeId: s2, occurredAt: at, currency: "EUR", type: "refund", lines: line(1, 20) }),
    ]);
    const rows = await waitFor(async () => {
      const r = await storeMinutes(s1, m, m + MINUTE);
      return r.length === 3 && r;
    });
    expect(rows.map((r) => [r.currency, r.grossMinor, r.netMinor])).toEqual([
      ["EUR", 1000, 1000],
      ["JPY", 300, 300],
      ["USD", 700, 700],
    ]);
    // All stores: this minute was empty before the test; s1 + s2 summed per currency only.
    const all = await waitFor(async () => {
      const r = await allMinutes(m, m + MINUTE);
      const eur = r.find((x) => x.currency === "EUR");
      return eur && eur.refundCount === 1 && r;
    });
    expect(all.map((r) => r.currency)).toEqual(["EUR", "JPY", "USD"]);
    expect(all.find((r) => r.currency === "EUR")).toMatchObject({ minute: iso(m), saleCount: 2, refundCount: 1, grossMinor: 1050, refundMinor: 20, netMinor: 1030, itemCount: 2 });
    expect(all.find((r) => r.currency === "USD")).toMatchObject({ grossMinor: 700, netMinor: 700 });
    expect(all.find((r) => r.currency === "JPY")).toMatchObject({ grossMinor: 300, itemCount: 2 });
  });

  it("a closed minute is final (provisional false) and written; from is inclusive, to exclusive; rows sorted by minute", async () => {
    const storeId = store();
    const now = Date.now();
    const m1 = minuteOf(now) - 5 * MINUTE;
    const m2 = m1 + MINUTE;
    const m3 = m1 + 2 * MINUTE;
    // Out of order on purpose.
    await post([
      saleEvent({ storeId, occurredAt: iso(m3 + 1), lines: line(1, 3) }),
      saleEvent({ storeId, occurredAt: iso(m1 + 59_999), lines: line(1, 1) }),
      saleEvent({ storeId, occurredAt: iso(m2), lines: line(1, 2) }),
    ]);
    const rows = await waitFor(async () => {
      const r = await storeMinutes(storeId, m1, m3 + MINUTE);
      return r.length === 3 && r.every((x) => !x.provisional) && r;
    });
    expect(rows.map((r) => [r.minute, r.grossMinor])).toEqual([
      [iso(m1), 1],
      [iso(m2), 2],
      [iso(m3), 3],
    ]);
    // Row persisted in the projection, not only in the live view.
    const stored = await t.runtime.adapters.minutes.storeRows(storeId, m1, m3 + MINUTE);
    expect(stored.map((r) => r.grossMinor).sort()).toEqual([1, 2, 3]);
    expect((await storeMinutes(storeId, m2, m3)).map((r) => r.minute)).toEqual([iso(m2)]);
    expect((await storeMinutes(storeId, m1 + 1, m3)).map((r) => r.minute)).toEqual([iso(m2)]);
    expect(await storeMinutes(storeId, m3 + MINUTE, m3 + 2 * MINUTE)).toEqual([]);
    expect(await storeMinutes(store(), m1, m3 + MINUTE)).toEqual([]);
  });
});

describe("stores and top stores", () => {
  it("top-stores ranks by net in the asked currency only, honours limit; stores lists today's net per currency", async () => {
    const tag = randomUUID().slice(0, 6);
    const [a, b, c, d] = ["a", "b", "c", "d"].map((x) => `top-${tag}-${x}`) as [string, string, string, string];
    const m = minuteOf(Date.now()) - 7 * MINUTE; // a minute no other test uses
    const at = iso(m + 1000);
    await post([
      saleEvent({ storeId: a, occurredAt: at, currency: "GBP", lines: line(1, 500) }),
      saleEvent({ storeId: b, occurredAt: at, currency: "GBP", lines: line(3, 500) }),
      saleEvent({ storeId: b, occurredAt: at, currency: "GBP", type: "refund", lines: line(1, 500) }),
      saleEvent({ storeId: c, occurredAt: at, currency: "GBP", lines: line(1, 900) }),
      saleEvent({ storeId: d, occurredAt: at, currency: "CHF", lines: line(1, 99_999) }),
    ]);
    const q = `${range(m, m + MINUTE)}&currency=GBP`;
    const top = await waitFor(async () => {
      const r = await get<{ currency: string; stores: { storeId: string; netMinor: number }[] }>(`/v1/top-stores?${q}`);
      return r.stores.length === 3 && r.stores.some((s) => s.storeId === b && s.netMinor === 1000) && r;
    });
    expect(top.currency).toBe("GBP");
    expect(top.stores.map((s) => [s.storeId, s.netMinor])).toEqual([
      [b, 1000],
      [c, 900],
      [a, 500],
    ]);
    expect(top.stores[0]).toMatchObject({ grossMinor: 1500, refundMinor: 500, saleCount: 1, itemCount: 3 });
    const limited = await get<{ stores: { storeId: string }[] }>(`/v1/top-stores?${q}&limit=2`);
    expect(limited.stores.map((s) => s.storeId)).toEqual([b, c]);

    if (new Date(m).toISOString().slice(0, 10) === new Date().toISOString().slice(0, 10)) {
      const { stores } = await get<{ stores: { storeId: string; netMinorByCurrency: Record<string, number>; lastMinute: string }[] }>("/v1/stores");
      const mine = stores.filter((s) => s.storeId.startsWith(`top-${tag}`));
      expect(mine.map((s) => s.storeId)).toEqual([a, b, c, d]);
      expect(mine.find((s) => s.storeId === b)).toMatchObject({ netMinorByCurrency: { GBP: 1000 }, lastMinute: iso(m) });
      expect(mine.find((s) => s.storeId === d)!.netMinorByCurrency).toEqual({ CHF: 99_999 });
    }
  });
});

describe("late events", () => {
  it("an event beyond the allowed lateness shows in /v1/late-events (and metrics), not in the minutes; one within it corrects its minute", async () => {
    const storeId = store("late");
    const now = Date.now();
    const old = minuteOf(now) - 2 * 3600_000; // far beyond ALLOWED_LATENESS_MS
    const lateEvent = saleEvent({ storeId, occurredAt: iso(old + 5000), lines: line(1, 4242) });
    const lateBefore = t.runtime.metrics.lateEvents.get();
    expect(await post(lateEvent)).toEqual({ accepted: 1, duplicates: 0 });
    const late = await waitFor(async () => {
      const r = await get<{ lateEvents: { eventId: string; storeId: string; reason: string; totalMinor: number; occurredAt: string }[] }>(
        `/v1/late-events?${range(old, old + MINUTE)}&storeId=${storeId}`,
      );
      return r.lateEvents.length > 0 && r.lateEvents;
    });
    expect(late).toHaveLength(1);
    expect(late[0]).toMatchObject({ eventId: lateEvent.eventId, storeId, totalMinor: 4242, occurredAt: lateEvent.occurredAt, reason: expect.stringMatching(/lateness/) });
    expect(t.runtime.metrics.lateEvents.get()).toBeGreaterThan(lateBefore);
    expect(await storeMinutes(storeId, old - MINUTE, old + 2 * MINUTE)).toEqual([]);
    expect((await allMinutes(old, old + MINUTE)).filter((r) => r.grossMinor === 4242)).toEqual([]);
    // Without the store filter it is listed too; a range that excludes it does not.
    const unfiltered = await get<{ lateEvents: { eventId: string }[] }>(`/v1/late-events?${range(old, old + MINUTE)}`);
    expect(unfiltered.lateEvents.map((e) => e.eventId)).toContain(lateEvent.eventId);
    const elsewhere = await get<{ lateEvents: { eventId: string }[] }>(`/v1/late-events?${range(old + MINUTE, old + 2 * MINUTE)}`);
    expect(elsewhere.lateEvents.map((e) => e.eventId)).not.toContain(lateEvent.eventId);

    // Within the allowed lateness: the closed minute is corrected.
    const recent = minuteOf(now) - 4 * MINUTE;
    await post(saleEvent({ storeId, occurredAt: iso(recent), lines: line(1, 100) }));
    await waitFor(async () => {
      const r = await storeMinutes(storeId, recent, recent + MINUTE);
      return r.length === 1 && !r[0]!.provisional && r;
    });
    await post(saleEvent({ storeId, occurredAt: iso(recent + 30_000), lines: line(1, 11) }));
    const corrected = await waitFor(async () => {
      const r = await storeMinutes(storeId, recent, recent + MINUTE);
      return r[0]?.saleCount === 2 && r;
    });
    expect(corrected[0]).toMatchObject({ grossMinor: 111, netMinor: 111, provisional: false });
  });
});
