import pg from "pg";
import { describe, expect, it } from "vitest";
import { CassandraMinuteProjection } from "../../src/projections/cassandra/cassandra-minute-projection.ts";
import { waitFor } from "../support/embedded-app.ts";
import { appInstancesPerFile } from "./instances.ts";
import { expectExactTotals } from "./reconcile-helpers.ts";
import { cassandraFor, settingsFrom } from "./support.ts";
import { Sender } from "./traffic.ts";

/**
 * Issue 7: after rebalances, rows written provisional by a revoked owner used to stay provisional
 * for ever. Two instances, a third joins and leaves (SIGTERM: its open windows are written
 * provisional on revocation); once the minutes have closed, no store row in Cassandra, no
 * all-stores aggregate and no row of the PostgreSQL table Superset reads is provisional, and the
 * totals are exact. Child processes cannot take an injected clock, so this waits for the minute of
 * the last event to close (at most a minute and the grace).
 */

const MINUTE = 60_000;

describe("every row ends final across rebalances", () => {
  const instances = appInstancesPerFile(4);

  it("two instances, a third joining and leaving: no provisional rows remain after the minutes close (aggregates and the PostgreSQL table included)", async () => {
    const { env } = instances;
    const from = Date.now() - 2 * MINUTE;
    const spawned: { name: string; output(): string }[] = [];
    try {
      const a = await instances.spawn();
      const b = await instances.spawn();
      spawned.push({ name: "a", output: () => a.output() }, { name: "b", output: () => b.output() });
      await instances.waitForMembers(2);

      // Each phase has its own stores, so the windows a revocation leaves provisional get no later
      // event: only the new owner's adoption can finalise them.
      const targets = [a.url, b.url];
      let turn = 0;
      const target = () => targets[turn++ % targets.length]!;
      const phase = async (name: string) => {
        const sender = new Sender(target, `final-${name}`);
        const traffic = sender.run({ size: 20, workers: 3, pauseMs: 20 });
        await waitFor(async () => sender.acked.size > 300, 60_000, 200);
        sender.stop();
        await traffic;
        await sender.retryUnacked();
        return sender.acked;
      };
      const before = await phase("ab");
      const c = await instances.spawn();
      spawned.push({ name: "c", output: () => c.output() });
      await instances.waitForMembers(3);
      targets.push(c.url);
      const during = await phase("abc");
      targets.pop();
      expect((await c.sigterm()).code).toBe(0);
      await instances.waitForMembers(2);
      const after = await phase("ab2");
      const acked = new Map([...before, ...during, ...after]);
      const lastMinute = Math.floor(Date.now() / MINUTE) * MINUTE;
      const to = lastMinute + MINUTE;
      await expectExactTotals(env, acked, from, to, "final");

      const settings = settingsFrom(env);
      const cass = cassandraFor(env);
      const minutes = new CassandraMinuteProjection(cass, settings.PARTITIONS);
      const pool = new pg.Pool({ connectionString: env.PG_URL, max: 1 });
      pool.on("error", () => undefined); // the test database is dropped in afterAll, also after a failure
      try {
        let last = "";
        await waitFor(async () => {
          const rows = (await minutes.allRows(from, to)).filter((r) => r.storeId.startsWith("final"));
          const totals = await minutes.partitionTotals(from, to);
          const { rows: pgRows } = await pool.query<{ n: string }>("SELECT count(*) AS n FROM minute_totals WHERE provisional AND store_id LIKE 'final%'");
          const open = rows.filter((r) => r.provisional).length;
          const openTotals = totals.filter((t) => t.provisional).length;
          last = `${open} of ${rows.length} store rows, ${openTotals} of ${totals.length} aggregates, ${pgRows[0]!.n} PostgreSQL rows provisional`;
          return rows.length > 0 && open === 0 && openTotals === 0 && Number(pgRows[0]!.n) === 0;
        }, MINUTE + 40_000, 1000).catch((err) => {
          throw new Error(`${(err as Error).message}: ${last}`);
        });
        await expectExactTotals(env, acked, from, to, "final");
      } finally {
        await cass.shutdown();
        await pool.end();
      }
    } catch (err) {
      // The instances' logs found the intermittent failure of session 22 (the last phase's windows
      // unwritten for 120 s: a sweep dropped unanswered when a regained partition's actor was replaced).
      for (const i of spawned) console.log(`instance ${i.name}, last lines:\n${lastLines(i.output())}`);
      throw err;
    }
  }, 360_000);
});

function lastLines(output: string): string {
  return output
    .split("\n")
    .filter((l) => l.trim() && !/switched default partitioner|Limiting retries for the idempotent producer/.test(l))
    .slice(-40)
    .map((l) => `  ${l.slice(0, 400)}`)
    .join("\n");
}
