import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MINUTE_MS } from "../../src/domain/time.ts";
import { isolatedEnv, startClusterApp } from "../cluster/support.ts";
import { waitFor } from "./wait-for.ts";

/**
 * The analytics projection is independent of the serving path: with PostgreSQL down, Cassandra
 * totals keep advancing and the window group keeps committing (late events included: they leave the
 * window path through the changelog too); when PostgreSQL is back, minute_totals catches up exactly
 * and late_events holds each late event once. PostgreSQL is stopped, so this file runs its OWN PostgreSQL
 * (another port and state dir) next to the shared Kafka and Cassandra.
 */
const OWN = {
  INTRADAY_SERVICES_DIR: process.env.INTRADAY_ANALYTICS_OUTAGE_SERVICES_DIR ?? "/tmp/intraday-analytics-outage-services",
  INTRADAY_PG_PORT: process.env.INTRADAY_ANALYTICS_OUTAGE_PG_PORT ?? "55433",
};
const pgUrl = `postgres://intraday:intraday@127.0.0.1:${OWN.INTRADAY_PG_PORT}/intraday`;

function ownPostgres(action: "up" | "down"): void {
  const r = spawnSync("bash", ["scripts/services/services.sh", action, "postgres"], { env: { ...process.env, ...OWN }, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`own postgres ${action} failed:\n${r.stdout}\n${r.stderr}`);
}

describe("analytics projection with PostgreSQL down", () => {
  let app: Awaited<ReturnType<typeof startClusterApp>>;
  const stores = ["pgo-a", "pgo-b", "pgo-c"].map((s) => `${s}-${randomUUID().slice(0, 4)}`);
  let minute = 0;
  const post = async (n: number, offsetSec: number) => {
    const events = Array.from({ length: n }, (_, i) => ({
      eventId: randomUUID(),
      storeId: stores[i % stores.length]!,
      occurredAt: new Date(minute + ((offsetSec + i) % 60) * 1000).toISOString(),
      type: i % 5 === 4 ? "refund" : "sale",
      currency: i % 2 ? "EUR" : "JPY",
      lines: [{ sku: "x", quantity: 1, unitPriceMinor: 100 + i }],
      totalMinor: 100 + i,
    }));
    const r = await fetch(`${app.url}/v1/sales`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(events) });
    expect(r.status).toBe(202);
  };
  /** Events two hours old: far beyond the allowed lateness (default 10 min), so recorded as late. */
  const postLate = async (n: number): Promise<string[]> => {
    const events = Array.from({ length: n }, (_, i) => ({
      eventId: randomUUID(),
      storeId: stores[i % stores.length]!,
      occurredAt: new Date(minute - 120 * MINUTE_MS + i * 1000).toISOString(),
      type: "sale",
      currency: "EUR",
      lines: [{ sku: "late", quantity: 1, unitPriceMinor: 700 + i }],
    }));
    const r = await fetch(`${app.url}/v1/sales`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(events) });
    expect(r.status).toBe(202);
    return events.map((e) => e.eventId);
  };
  const lateMetric = async () => {
    const text = await (await fetch(`${app.url}/metrics`)).text();
    return Number(/^intraday_late_events_total (\d+)/m.exec(text)?.[1] ?? 0);
  };
  const restRows = async () => {
    const rows = new Map<string, number>();
    const from = new Date(minute - 2 * MINUTE_MS).toISOString();
    const to = new Date(minute + 2 * MINUTE_MS).toISOString();
    for (const s of stores) {
      const r = (await (await fetch(`${app.url}/v1/stores/${s}/minutes?from=${from}&to=${to}`)).json()) as { minutes: { minute: string; currency: string; saleCount: number; refundCount: number; netMinor: number }[] };
      for (const m of r.minutes) rows.set(`${s}|${Date.parse(m.minute)}|${m.currency}`, m.netMinor * 1_000_000 + m.saleCount * 1000 + m.refundCount);
    }
    return rows;
  };
  const pgRows = async () => {
    const c = new pg.Client({ connectionString: pgUrl });
    await c.connect();
    try {
      const r = await c.query<{ store_id: string; minute: Date; currency: string; net_minor: string; sale_count: string; refund_count: string }>(
        "SELECT store_id, minute, currency, net_minor, sale_count, refund_count FROM minute_totals WHERE store_id = ANY($1)",
        [stores],
      );
      return new Map(r.rows.map((x) => [`${x.store_id}|${x.minute.getTime()}|${x.currency.trim()}`, Number(x.net_minor) * 1_000_000 + Number(x.sale_count) * 1000 + Number(x.refund_count)]));
    } finally {
      await c.end();
    }
  };
  const pgLate = async () => {
    const c = new pg.Client({ connectionString: pgUrl });
    await c.connect();
    try {
      return (await c.query<{ event_id: string; reason: string }>("SELECT event_id, reason FROM late_events WHERE store_id = ANY($1)", [stores])).rows;
    } finally {
      await c.end();
    }
  };
  const sameMaps = (a: Map<string, number>, b: Map<string, number>) => a.size > 0 && a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);

  beforeAll(async () => {
    ownPostgres("up");
    const { env, drop } = await isolatedEnv(3);
    await drop(); // own topic, group and keyspace on the shared Kafka/Cassandra; PostgreSQL is this file's own
    env.PG_URL = pgUrl;
    app = await startClusterApp(env, { listen: true });
    minute = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
  }, 240_000);

  afterAll(async () => {
    ownPostgres("up");
    await app?.runtime.stop();
    ownPostgres("down");
  }, 120_000);

  it("keeps Cassandra advancing while PostgreSQL is down, late events included, then minute_totals and late_events catch up exactly", async () => {
    await post(30, 0);
    await waitFor("minute_totals to mirror the first events", async () => (sameMaps(await restRows(), await pgRows()) ? true : undefined));
    const lateBefore = await lateMetric();

    ownPostgres("down");
    const before = await restRows();
    const lateIds = await postLate(6);
    await post(60, 10);
    const during = await waitFor("Cassandra totals to advance with PostgreSQL down", async () => {
      const now = await restRows();
      const sales = [...now.values()].reduce((a, v) => a + (Math.floor(v / 1000) % 1000), 0);
      return sales === 72 ? now : undefined; // 90 events, 18 of them refunds
    });
    expect(during).not.toEqual(before);
    // the window group committed past the new events although PostgreSQL is down
    await waitFor("the window group to commit", async () => {
      const lag = await app.runtime.adapters.windowConsumer.lag();
      return lag.every((l) => l.committed >= l.end) ? true : undefined;
    });
    expect(await lateMetric()).toBe(lateBefore + lateIds.length);
    await expect(pgRows()).rejects.toThrow();

    ownPostgres("up");
    await waitFor("minute_totals to catch up exactly", async () => (sameMaps(await restRows(), await pgRows()) ? true : undefined), 120_000);
    expect(await pgRows()).toEqual(await restRows());
    const recorded = await waitFor("late_events to hold the late events", async () => {
      const rows = await pgLate();
      return rows.length >= lateIds.length ? rows : undefined;
    });
    expect(recorded.map((r) => r.event_id).sort()).toEqual([...lateIds].sort()); // each exactly once
    expect(recorded.every((r) => r.reason === "beyond allowed lateness")).toBe(true);
    const from = new Date(minute - 121 * MINUTE_MS).toISOString();
    const to = new Date(minute - 110 * MINUTE_MS).toISOString();
    const served = (await (await fetch(`${app.url}/v1/late-events?from=${from}&to=${to}`)).json()) as { lateEvents: { eventId: string; storeId: string }[] };
    const ours = served.lateEvents.filter((l) => stores.includes(l.storeId)); // this file's PostgreSQL outlives a run
    expect(ours.map((l) => l.eventId).sort()).toEqual([...lateIds].sort());
  }, 300_000);
});
