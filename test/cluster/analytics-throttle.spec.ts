import pg from "pg";
import { describe, expect, it } from "vitest";
import { createKafka } from "../../src/event-log/kafka/kafka-client.ts";
import { changelogTopic } from "../../src/projections/analytics/kafka-minute-changelog.ts";
import { saleEvent, waitFor } from "../support/embedded-app.ts";
import { cassandraFor, clusterAppPerFile } from "./support.ts";

/**
 * Each checkpoint (CHECKPOINT_MS, 500 ms in these tests) writes a busy store's open minute to
 * Cassandra; PostgreSQL gets it through the minute changelog at most once per
 * ANALYTICS_CHECKPOINT_MS (default 10 s), and the final row as soon as the minute closes.
 */
describe("an open minute's running totals on the way to PostgreSQL", () => {
  const cluster = clusterAppPerFile(1, { listen: true });
  const STORE = "throttle-store";
  const EVENTS = 12;

  async function changelogRecords(): Promise<number> {
    const admin = createKafka({ brokers: cluster.env.KAFKA_BROKERS!.split(","), topic: cluster.env.KAFKA_TOPIC!, partitions: 1 }).admin();
    await admin.connect();
    try {
      const parts = await admin.fetchTopicOffsets(changelogTopic(cluster.env.KAFKA_TOPIC!));
      return parts.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
    } finally {
      await admin.disconnect();
    }
  }

  it("Cassandra takes every checkpoint of the open minute, the changelog its first and one per 10 s, and minute_totals ends final and exact", async () => {
    // All events in one minute, with time left to see each checkpoint before it closes.
    await waitFor(async () => new Date().getUTCSeconds() < 35 || undefined, 30_000, 200);
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    const cassandra = cassandraFor(cluster.env);
    const pool = new pg.Pool({ connectionString: cluster.env.PG_URL, max: 1 });
    try {
      const cassandraVersions = new Set<string>();
      for (let i = 1; i <= EVENTS; i++) {
        const res = await fetch(`${cluster.app.url}/v1/sales`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(saleEvent({ storeId: STORE, occurredAt: new Date(minute + i).toISOString(), lines: [{ sku: "a", quantity: 1, unitPriceMinor: 100 * i }] })),
        });
        expect(res.status).toBe(202);
        // The checkpoint that holds this event, seen in Cassandra before the next one is sent.
        const offset = await waitFor(async () => {
          const rs = await cassandra.execute("SELECT sale_count, source_offset FROM minutes_by_store WHERE store_id = ? AND day = ? AND minute = ?", [STORE, new Date(minute).toISOString().slice(0, 10), new Date(minute)]);
          const row = rs.rows[0];
          return row && Number(row.get("sale_count")) === i ? String(row.get("source_offset")) : undefined;
        }, 10_000);
        cassandraVersions.add(offset);
      }
      const openPhaseMs = Date.now() - minute;
      expect(cassandraVersions.size).toBe(EVENTS);
      // The first version at once, then at most one per 10 s of the open phase.
      const announcedOpen = await changelogRecords();
      expect(announcedOpen).toBeGreaterThanOrEqual(1);
      expect(announcedOpen).toBeLessThanOrEqual(1 + Math.ceil(openPhaseMs / 10_000));

      const final = await waitFor(async () => {
        const { rows } = await pool.query<{ sale_count: string; gross_minor: string; provisional: boolean }>(
          "SELECT sale_count, gross_minor, provisional FROM minute_totals WHERE store_id = $1 AND minute = $2",
          [STORE, new Date(minute)],
        );
        return rows[0] && !rows[0].provisional ? rows[0] : undefined;
      }, 90_000, 250);
      expect(Number(final.sale_count)).toBe(EVENTS);
      expect(Number(final.gross_minor)).toBe((100 * EVENTS * (EVENTS + 1)) / 2);
      expect(await changelogRecords()).toBe(announcedOpen + 1);
    } finally {
      await cassandra.shutdown();
      await pool.end();
    }
  }, 150_000);
});
