import { randomUUID } from "node:crypto";
import type { Client } from "cassandra-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MINUTE_MS } from "../../src/domain/time.ts";
import { MINUTE_TABLES } from "../../src/projections/cassandra/cassandra-minutes-ttl.ts";
import { createCassandraClient } from "../../src/projections/cassandra/cassandra-minute-projection.ts";
import { cassandraSettings, migrateAll } from "../../src/runtime/cluster-adapters.ts";
import { isolatedEnv, settingsFrom, startClusterApp } from "./support.ts";

const DAY_S = 86_400;

async function waitFor<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("INTRADAY_CASSANDRA_MINUTES_TTL_DAYS", () => {
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  let cass: Client;
  const tableTtls = async () => {
    const r = await cass.execute("SELECT table_name, default_time_to_live FROM system_schema.tables WHERE keyspace_name = ?", [env.CASSANDRA_KEYSPACE], { prepare: true });
    return Object.fromEntries(r.rows.filter((row) => (MINUTE_TABLES as readonly string[]).includes(row.get("table_name"))).map((row) => [row.get("table_name"), row.get("default_time_to_live")]));
  };

  beforeAll(async () => {
    ({ env, drop } = await isolatedEnv(2));
    cass = createCassandraClient(cassandraSettings(settingsFrom(env)));
    await cass.connect();
  }, 120_000);

  afterAll(async () => {
    await cass?.shutdown();
    await drop?.();
  });

  it("is off by default: the minute tables keep their rows for good", async () => {
    const applied = await migrateAll(settingsFrom(env));
    expect(applied.cassandra.filter((a) => a.includes("default_time_to_live"))).toEqual([]);
    expect(await tableTtls()).toEqual({ minutes_by_store: 0, minutes_by_day: 0, minutes_by_partition: 0 });
  });

  it("when set, every minute row the pipeline writes expires that many days later; set back to 0, nothing new expires", async () => {
    const app = await startClusterApp({ ...env, CASSANDRA_MINUTES_TTL_DAYS: "3" }, { listen: true });
    try {
      expect(await tableTtls()).toEqual({ minutes_by_store: 3 * DAY_S, minutes_by_day: 3 * DAY_S, minutes_by_partition: 3 * DAY_S });
      const storeId = `ttl-${randomUUID().slice(0, 6)}`;
      const minute = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
      const r = await fetch(`${app.url}/v1/sales`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ eventId: randomUUID(), storeId, occurredAt: new Date(minute).toISOString(), type: "sale", currency: "EUR", lines: [{ sku: "x", quantity: 1, unitPriceMinor: 100 }] }),
      });
      expect(r.status).toBe(202);
      const day = new Date(minute).toISOString().slice(0, 10);
      const ttlOf = async (cql: string, params: unknown[]) => {
        const rows = (await cass.execute(cql, params, { prepare: true })).rows;
        return rows.length ? (rows[0]!.get("t") as number) : undefined;
      };
      const ks = env.CASSANDRA_KEYSPACE;
      const ttls = [
        await waitFor("the store row", () => ttlOf(`SELECT TTL(sale_count) AS t FROM ${ks}.minutes_by_store WHERE store_id = ? AND day = ?`, [storeId, day])),
        await waitFor("the by-day row", () => ttlOf(`SELECT TTL(sale_count) AS t FROM ${ks}.minutes_by_day WHERE day = ? AND source_partition IN (0, 1) AND minute = ?`, [day, new Date(minute)])),
        await waitFor("the partition totals", () => ttlOf(`SELECT TTL(sale_count) AS t FROM ${ks}.minutes_by_partition WHERE day = ? AND minute = ?`, [day, new Date(minute)])),
      ];
      for (const t of ttls) {
        expect(t).toBeGreaterThan(3 * DAY_S - 600);
        expect(t).toBeLessThanOrEqual(3 * DAY_S);
      }
    } finally {
      await app.runtime.stop();
    }

    const applied = await migrateAll(settingsFrom(env));
    expect(applied.cassandra).toEqual(MINUTE_TABLES.map((t) => `${t} default_time_to_live=0s`));
    expect(await tableTtls()).toEqual({ minutes_by_store: 0, minutes_by_day: 0, minutes_by_partition: 0 });
    expect((await migrateAll(settingsFrom(env))).cassandra).toEqual([]); // idempotent
  });
});
