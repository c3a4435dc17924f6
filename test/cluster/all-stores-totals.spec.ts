import { Kafka, logLevel } from "kafkajs";
import { isDeepStrictEqual } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { netMinor } from "../../src/domain/minute-row.ts";
import { partitionTotalsOfRows, type PartitionTotalsRow } from "../../src/domain/partition-totals.ts";
import { CassandraMinuteProjection, createCassandraClient } from "../../src/projections/cassandra/cassandra-minute-projection.ts";
import { waitFor } from "../support/embedded-app.ts";
import { spawnServer, type ServerProcess } from "../support/process.ts";
import { expectExactTotals } from "./reconcile-helpers.ts";
import { isolatedEnv, prefixed } from "./support.ts";
import { Sender } from "./traffic.ts";

interface ApiMinute {
  minute: string;
  currency: string;
  saleCount: number;
  refundCount: number;
  grossMinor: number;
  refundMinor: number;
  netMinor: number;
  itemCount: number;
}

describe("all-stores totals (partition aggregates) with two instances and a kill -9", () => {
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    ({ env, drop } = await isolatedEnv(4));
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.kill9()));
    await drop?.();
  });

  it("GET /v1/minutes equals the sum of the store rows, and every partition aggregate equals its rows' sum", async () => {
    const from = Math.floor((Date.now() - 120_000) / 60_000) * 60_000;
    const a = await spawnServer({ env: prefixed(env) });
    const b = await spawnServer({ env: prefixed(env) });
    servers.push(a, b);
    const kafka = new Kafka({ brokers: env.KAFKA_BROKERS!.split(","), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const members = async () => (await admin.describeGroups([env.KAFKA_GROUP!])).groups[0]!.members.length;
    await waitFor(async () => (await members()) === 2, 60_000, 500);

    let turn = 0;
    let aAlive = true;
    const sender = new Sender(() => (aAlive && turn++ % 2 === 0 ? a.url : b.url), "alltotals");
    const traffic = sender.run({ size: 20, workers: 4, pauseMs: 20 });
    await sender.ackedAtLeast(200);
    aAlive = false;
    await a.kill9();
    await waitFor(async () => (await members()) === 1, 60_000, 500);
    // Traffic after the survivor took every partition over.
    await sender.ackedAtLeast(sender.acked.size + 150);
    sender.stop();
    await traffic;
    await sender.retryUnacked();
    await admin.disconnect();
    expect(sender.acked.size).toBeGreaterThan(300);
    const to = Math.floor(Date.now() / 60_000) * 60_000 + 2 * 60_000;
    await expectExactTotals(env, sender.acked, from, to, "alltotals");

    const cass = createCassandraClient({ contactPoints: env.CASSANDRA_CONTACT_POINTS!.split(","), localDataCenter: "datacenter1", keyspace: env.CASSANDRA_KEYSPACE! }, env.CASSANDRA_KEYSPACE);
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
        const sums = new Map<string, { saleCount: number; refundCount: number; grossMinor: number; refundMinor: number; netMinor: number; itemCount: number }>();
        for (const r of rows) {
          const k = `${new Date(r.minute).toISOString()}|${r.currency}`;
          const s = sums.get(k) ?? { saleCount: 0, refundCount: 0, grossMinor: 0, refundMinor: 0, netMinor: 0, itemCount: 0 };
          s.saleCount += r.saleCount;
          s.refundCount += r.refundCount;
          s.grossMinor += r.grossMinor;
          s.refundMinor += r.refundMinor;
          s.netMinor += netMinor(r);
          s.itemCount += r.itemCount;
          sums.set(k, s);
        }
        const body = (await (await fetch(`${b.url}/v1/minutes?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`)).json()) as { minutes: ApiMinute[] };
        const api = new Map(body.minutes.map((m) => [`${m.minute}|${m.currency}`, { saleCount: m.saleCount, refundCount: m.refundCount, grossMinor: m.grossMinor, refundMinor: m.refundMinor, netMinor: m.netMinor, itemCount: m.itemCount }]));
        last = JSON.stringify({ totalsOk, api: [...api], rows: [...sums] }).slice(0, 3000);
        return totalsOk && api.size === sums.size && [...sums].every(([k, v]) => isDeepStrictEqual(api.get(k), v));
      }, 60_000, 1000).catch((err) => {
        throw new Error(`${(err as Error).message}; last: ${last}`);
      });
    } finally {
      await cass.shutdown();
    }
  });
});
