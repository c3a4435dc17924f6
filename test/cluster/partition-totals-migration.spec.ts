import { describe, expect, it } from "vitest";
import type { MinuteRow } from "../../src/domain/minute-row.ts";
import { partitionTotalsOfRows } from "../../src/domain/partition-totals.ts";
import { migrateCassandra } from "../../src/projections/cassandra/cassandra-migrate.ts";
import { CassandraMinuteProjection, createCassandraClient } from "../../src/projections/cassandra/cassandra-minute-projection.ts";
import { isolatedEnv } from "./support.ts";

describe("Cassandra migration 002 (minutes_by_partition)", () => {
  it("sums the rows written before it into partition totals", async () => {
    const { env, drop } = await isolatedEnv(3);
    const settings = { contactPoints: env.CASSANDRA_CONTACT_POINTS!.split(","), localDataCenter: "datacenter1", keyspace: env.CASSANDRA_KEYSPACE! };
    const admin = createCassandraClient(settings);
    const client = createCassandraClient(settings, settings.keyspace);
    try {
      expect(await migrateCassandra(admin, settings.keyspace)).toEqual(["001_minute_tables.cql", "002_partition_totals.cql", "003_window_id_chunks.cql"]);
      const store = new CassandraMinuteProjection(client, 3);
      const m = Date.UTC(2026, 0, 1, 23, 59);
      const row = (storeId: string, partition: number, minute: number, offset: number, provisional: boolean, currency = "EUR"): MinuteRow => ({
        storeId, minute, currency, saleCount: 2, refundCount: 1, grossMinor: 500 + offset, refundMinor: 10, itemCount: 3,
        firstEventAt: minute + offset, lastEventAt: minute + 1000 + offset, partition, offset, revision: 1, provisional, eventIds: [],
      });
      // Two UTC days, two partitions, two currencies.
      const rows = [row("a", 0, m, 3, false), row("b", 0, m, 9, true), row("c", 1, m, 4, false), row("a", 0, m, 5, false, "USD"), row("a", 0, m + 60_000, 7, false)];
      await store.writeRows(rows);
      // As before the migration: no partition totals, 002 not applied.
      await admin.execute(`TRUNCATE ${settings.keyspace}.minutes_by_partition`);
      await admin.execute(`DELETE FROM ${settings.keyspace}.schema_migrations WHERE version = 2`);
      expect(await store.partitionTotals(m, m + 120_000)).toEqual([]);
      expect(await migrateCassandra(admin, settings.keyspace)).toEqual(["002_partition_totals.cql"]);
      const key = (t: { partition: number; minute: number; currency: string }) => `${t.partition}|${t.minute}|${t.currency}`;
      const sort = <T extends { partition: number; minute: number; currency: string }>(list: T[]) => [...list].sort((x, y) => (key(x) < key(y) ? -1 : 1));
      expect(sort(await store.partitionTotals(m, m + 120_000))).toEqual(sort(partitionTotalsOfRows(rows)));
    } finally {
      await client.shutdown();
      await admin.shutdown();
      await drop();
    }
  });
});
