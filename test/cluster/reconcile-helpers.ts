import pg from "pg";
import { expect } from "vitest";
import { windowingOf } from "../../src/config/settings.ts";
import { netMinor } from "../../src/domain/minute-row.ts";
import { CassandraMinuteProjection } from "../../src/projections/cassandra/cassandra-minute-projection.ts";
import { PgRawHistory } from "../../src/projections/postgres/pg-raw-history.ts";
import { reconcile } from "../../src/operations/reconcile-report.ts";
import { waitFor } from "../support/embedded-app.ts";
import { cassandraFor, settingsFrom } from "./support.ts";
import { expectedNetByStoreMinute, type PosEvent } from "./traffic.ts";

/**
 * Waits until raw history holds exactly the acknowledged events and Cassandra's rows equal both a
 * recomputation from PostgreSQL raw history and the totals of the acknowledged events.
 */
export async function expectExactTotals(env: Record<string, string>, acked: Map<string, PosEvent>, from: number, to: number, storePrefix = ""): Promise<void> {
  const mine = (storeId: string) => storeId.startsWith(storePrefix);
  const settings = settingsFrom(env);
  const pool = new pg.Pool({ connectionString: env.PG_URL, max: 2 });
  const cass = cassandraFor(env);
  const minutes = new CassandraMinuteProjection(cass, settings.PARTITIONS);
  const history = new PgRawHistory(pool);
  try {
    await waitFor(async () => (await history.eventsBetween(from, to)).filter((e) => mine(e.event.storeId)).length >= acked.size, 90_000, 500);
    const ids = new Set((await history.eventsBetween(from, to)).filter((e) => mine(e.event.storeId)).map((e) => e.event.eventId));
    expect(ids.size).toBe(acked.size);
    for (const id of acked.keys()) expect(ids.has(id)).toBe(true);

    const expected = expectedNetByStoreMinute(acked.values());
    let last: Awaited<ReturnType<typeof reconcile>> | null = null;
    await waitFor(async () => {
      last = await reconcile(minutes, history, from, to, windowingOf(settings), mine);
      if (last.diffs.length) return false;
      const rows = (await minutes.allRows(from, to)).filter((r) => mine(r.storeId));
      const actual = new Map(rows.map((r) => [`${r.storeId}|${r.minute}|${r.currency}`, netMinor(r)]));
      return [...expected].every(([k, v]) => actual.get(k) === v) && actual.size === expected.size;
    }, 90_000, 1000).catch((err) => {
      throw new Error(`${(err as Error).message}; last reconciliation: ${JSON.stringify(last, null, 1).slice(0, 3000)}`);
    });
  } finally {
    await cass.shutdown();
    await pool.end();
  }
}
