import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { emptyTotals, mergeTotals, type MinuteTotals } from "../../src/domain/minute-row.ts";
import { partitionTotalsOfRows, type PartitionTotalsRow } from "../../src/domain/partition-totals.ts";
import type { PublicMinute } from "../../src/domain/public-minute.ts";
import { measuresOf } from "../../src/operations/reconcile-plan.ts";
import { CassandraMinuteProjection } from "../../src/projections/cassandra/cassandra-minute-projection.ts";
import { waitFor } from "../support/embedded-app.ts";
import { appInstancesPerFile, killOneUnderTraffic } from "./instances.ts";
import { expectExactTotals } from "./reconcile-helpers.ts";
import { cassandraFor } from "./support.ts";

describe("all-stores totals (partition aggregates) with two instances and a kill -9", () => {
  const instances = appInstancesPerFile(4);

  it("GET /v1/minutes equals the sum of the store rows, and every partition aggregate equals its rows' sum", async () => {
    const { env } = instances;
    const from = Math.floor((Date.now() - 120_000) / 60_000) * 60_000;
    const a = await instances.spawn();
    const b = await instances.spawn();
    await instances.waitForMembers(2);

    // Traffic after the survivor took every partition over, too.
    const sender = await killOneUnderTraffic(instances, a, b, "alltotals", { before: 200, after: 150 });
    expect(sender.acked.size).toBeGreaterThan(300);
    const to = Math.floor(Date.now() / 60_000) * 60_000 + 2 * 60_000;
    await expectExactTotals(env, sender.acked, from, to, "alltotals");

    const cass = cassandraFor(env);
    const store = new CassandraMinuteProjection(cass, Number(env.PARTITIONS));
    try {
      let last = "";
      await waitFor(async () => {
        const rows = await store.allRows(from, to);
        // The partition aggregates in Cassandra: exactly the sums of the rows (totals, provisional, version).
        const key = (t: { partition: number; minute: number; currency: string }) => `${t.partition}|${t.minute}|${t.currency}`;
        const expectedTotals = new Map(partitionTotalsOfRows(rows).map((t) => [key(t), t]));
        // The final bit of the version (and provisional) may lag after a kill -9 right after a closing
        // write (the read side judges finality by the wall clock); totals and offsets must be exact.
        const exact = ({ provisional: _p, version, ...t }: PartitionTotalsRow) => ({ ...t, offsets: Math.floor(version / 2) });
        const storedTotals = await store.partitionTotals(from, to);
        const totalsOk =
          storedTotals.length === expectedTotals.size &&
          storedTotals.every((t) => expectedTotals.has(key(t)) && isDeepStrictEqual(exact(t), exact(expectedTotals.get(key(t))!)));
        // The API: per (minute, currency) the sum of every store row.
        const sums = new Map<string, MinuteTotals>();
        for (const r of rows) {
          const k = `${new Date(r.minute).toISOString()}|${r.currency}`;
          const s = sums.get(k) ?? emptyTotals();
          mergeTotals(s, r);
          sums.set(k, s);
        }
        const body = (await (await fetch(`${b.url}/v1/minutes?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`)).json()) as { minutes: PublicMinute[] };
        const api = new Map(body.minutes.map(({ minute, currency, provisional: _p, ...measures }) => [`${minute}|${currency}`, measures]));
        last = JSON.stringify({ totalsOk, api: [...api], rows: [...sums].map(([k, v]) => [k, measuresOf(v)]) }).slice(0, 3000);
        return totalsOk && api.size === sums.size && [...sums].every(([k, v]) => isDeepStrictEqual(api.get(k), measuresOf(v)));
      }, 60_000, 1000).catch((err) => {
        throw new Error(`${(err as Error).message}; last: ${last}`);
      });
    } finally {
      await cass.shutdown();
    }
  });
});
