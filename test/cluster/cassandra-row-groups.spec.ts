import cassandra from "cassandra-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MinuteRow } from "../../src/domain/minute-row.ts";
import type { PartitionTotalsRow } from "../../src/domain/partition-totals.ts";
import { migrateCassandra } from "../../src/projections/cassandra/cassandra-migrate.ts";
import { BY_DAY_BATCH_ROWS, CassandraMinuteProjection, cassandraClientOptions } from "../../src/projections/cassandra/cassandra-minute-projection.ts";
import { isolatedEnv } from "./support.ts";

// The driver takes only instances of its RequestTracker class, which its typings declare as an interface.
const TrackerBase = (cassandra.tracker as unknown as { RequestTracker: new () => object }).RequestTracker;

/** The store a statement writes: the one store id among its parameters (this suite's ids start with "group-"). */
const storeOf = (params: readonly unknown[]) => String(params.find((p) => typeof p === "string" && p.startsWith("group-")));

/**
 * Counts the requests the client sends: single statements per table, and batches with their sizes.
 * `events` notes, in the order their answers came, each minutes_by_day batch's stores and each
 * minutes_by_store statement's store.
 */
class RequestCount extends TrackerBase implements cassandra.tracker.RequestTracker {
  readonly statements = new Map<string, number>();
  readonly batches: number[] = [];
  readonly events: string[] = [];
  onSuccess(_host: unknown, query: string | Array<{ query: string; params: unknown[] }>, params: unknown[]): void {
    if (Array.isArray(query)) {
      this.batches.push(query.length);
      for (const q of query) if (q.query.includes("minutes_by_day")) this.events.push(`day ${storeOf(q.params)}`);
      return;
    }
    const table = /(?:INTO|UPDATE|FROM) (\w+)/.exec(query)?.[1] ?? "?";
    this.statements.set(table, (this.statements.get(table) ?? 0) + 1);
    if (table === "minutes_by_store") this.events.push(`store ${storeOf(params)}`);
  }
  onError(): void {}
  shutdown(): void {}
  reset(): void {
    this.statements.clear();
    this.batches.length = 0;
    this.events.length = 0;
  }
}

/**
 * At a trickle every store's checkpoint is about one row, and each store actor writes its own: the
 * projection groups what they write in one turn, one batch per partition's day for minutes_by_day.
 */
describe("row writes of many stores in one turn", () => {
  const requests = new RequestCount();
  const warnings: string[] = [];
  let store: CassandraMinuteProjection;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const iso = await isolatedEnv(3);
    drop = iso.drop;
    const keyspace = iso.env.CASSANDRA_KEYSPACE!;
    const settings = { contactPoints: iso.env.CASSANDRA_CONTACT_POINTS!.split(","), localDataCenter: "datacenter1", keyspace };
    const admin = new cassandra.Client(cassandraClientOptions(settings));
    await migrateCassandra(admin, keyspace);
    await admin.shutdown();
    const client = new cassandra.Client({ ...cassandraClientOptions(settings, keyspace), requestTracker: requests });
    client.on("log", (level: string, _cls: string, message: string) => {
      if (level === "warning") warnings.push(message);
    });
    store = new CassandraMinuteProjection(client, 3);
  });
  afterAll(async () => {
    await store?.close();
    await drop?.();
  });

  const minute = Date.UTC(2026, 11, 3, 9, 0);
  const row = (i: number, offset: number, saleCount: number): MinuteRow => ({
    storeId: `group-${i}`, minute, currency: "EUR", saleCount, refundCount: 0, grossMinor: 1000 + i, refundMinor: 0, itemCount: saleCount,
    firstEventAt: minute, lastEventAt: minute + i, partition: i % 3, offset, revision: 1, provisional: true,
    eventIds: Array.from({ length: saleCount }, (_, k) => `00000000-0000-4000-8000-${String(i * 10 + k).padStart(12, "0")}`),
  });

  it("writes 200 stores' rows with one batch per partition in minutes_by_day (at most BY_DAY_BATCH_ROWS each), and reads each back from both tables", async () => {
    requests.reset();
    const rows = Array.from({ length: 200 }, (_, i) => row(i, 100 + i, 2)); // 67 in partitions 0 and 1: two batches each
    await Promise.all(rows.map((r) => store.writeRows([r])));
    expect(requests.statements.get("minutes_by_day") ?? 0).toBe(0);
    const perPartition = [0, 1, 2].map((p) => rows.filter((r) => r.partition === p).length);
    expect(requests.batches.length).toBe(perPartition.reduce((n, k) => n + Math.ceil(k / BY_DAY_BATCH_ROWS), 0));
    expect(Math.max(...requests.batches)).toBe(BY_DAY_BATCH_ROWS);
    expect(requests.statements.get("minutes_by_store")).toBe(200);
    expect(warnings.filter((w) => /batch/i.test(w))).toEqual([]);

    const byDay = await store.allRows(minute, minute + 60_000);
    expect(byDay.map((r) => [r.storeId, r.partition, r.offset, r.grossMinor, r.saleCount]).sort()).toEqual(rows.map((r) => [r.storeId, r.partition, r.offset, r.grossMinor, r.saleCount]).sort());
    const loaded = await Promise.all(rows.map((r) => store.loadRows(r.storeId, [{ minute, currency: "EUR" }])));
    expect(loaded.map((l) => [l[0]?.offset, l[0]?.eventIds])).toEqual(rows.map((r) => [r.offset, r.eventIds]));
  });

  it("answers each store's write only once its own rows are in minutes_by_day and then minutes_by_store", async () => {
    requests.reset();
    const rows = Array.from({ length: 120 }, (_, i) => ({ ...row(i, 2000 + i, 1), minute: minute + 10 * 60_000 }));
    // How many answers the client had had when each store's write was answered.
    const answersWhenDone = new Map<string, number>();
    await Promise.all(rows.map((r) => store.writeRows([r]).then(() => void answersWhenDone.set(r.storeId, requests.events.length))));
    for (const r of rows) {
      const day = requests.events.indexOf(`day ${r.storeId}`);
      const byStore = requests.events.indexOf(`store ${r.storeId}`);
      expect(day, r.storeId).toBeGreaterThanOrEqual(0);
      expect(byStore, r.storeId).toBeGreaterThan(day);
      expect(answersWhenDone.get(r.storeId), r.storeId).toBeGreaterThan(byStore);
    }
  });

  it("keeps the newer of two writes of one row that land in the same group, in both tables", async () => {
    const newer = row(7, 900, 5);
    const stale = row(7, 850, 4);
    await Promise.all([store.writeRows([newer]), store.writeRows([stale])]);
    const [byStore] = await store.storeRows("group-7", minute, minute + 60_000);
    const byDay = (await store.allRows(minute, minute + 60_000)).find((r) => r.storeId === "group-7");
    expect(byStore).toMatchObject({ offset: 900, saleCount: 5 });
    expect(byDay).toMatchObject({ offset: 900, saleCount: 5 });
  });

  const totals = (partition: number, minuteIndex: number, version: number): PartitionTotalsRow => ({
    partition, minute: minute + minuteIndex * 60_000, currency: "EUR", saleCount: version, refundCount: 0, grossMinor: 100 * version, refundMinor: 0, itemCount: version,
    firstEventAt: minute, lastEventAt: minute, provisional: true, version,
  });

  it("writes the partition totals of 30 partition actors' turns as batches of one day's rows, the highest version of each winning", async () => {
    requests.reset();
    const calls = Array.from({ length: 30 }, (_, p) => [totals(p, 0, 10 + p), totals(p, 1, 20 + p), totals(p, 2, 30 + p)]);
    const stale = [totals(0, 0, 5)]; // an older version of a row in the same group
    await Promise.all([...calls, stale].map((rows) => store.writePartitionTotals(rows)));
    expect(requests.statements.get("minutes_by_partition") ?? 0).toBe(0);
    expect([...requests.batches].sort((a, b) => b - a)).toEqual([BY_DAY_BATCH_ROWS, 91 - BY_DAY_BATCH_ROWS]);
    const stored = await store.partitionTotals(minute, minute + 3 * 60_000);
    const key = (t: PartitionTotalsRow) => `${t.partition} ${t.minute}`;
    expect(new Map(stored.map((t) => [key(t), t.version]))).toEqual(new Map(calls.flat().map((t) => [key(t), t.version])));
  });
});
