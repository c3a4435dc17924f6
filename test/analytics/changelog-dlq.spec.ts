import { Kafka, logLevel } from "kafkajs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeChangelogLate, encodeChangelogRow } from "../../src/projections/analytics/changelog-record.ts";
import { changelogTopic } from "../../src/projections/analytics/kafka-minute-changelog.ts";
import { isolatedEnv, startClusterApp } from "../cluster/support.ts";

const waitFor = async (what: string, f: () => Promise<boolean>, timeoutMs = 30_000) => {
  const until = Date.now() + timeoutMs;
  while (!(await f().catch(() => false))) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
};

describe("minute changelog on Kafka", () => {
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  let app: Awaited<ReturnType<typeof startClusterApp>>;

  beforeAll(async () => {
    ({ env, drop } = await isolatedEnv(3));
    app = await startClusterApp(env, { listen: true });
  }, 240_000);

  afterAll(async () => {
    await app?.runtime.stop();
    await drop?.();
  });

  it("sends poison changelog records to the dead-letter topic with the reason, and keeps projecting the rest", async () => {
    const kafka = new Kafka({ brokers: env.KAFKA_BROKERS!.split(","), logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    const good = { storeId: "cl-good", minute, currency: "EUR", saleCount: 2, refundCount: 1, grossMinor: 900, refundMinor: 100, itemCount: 2, firstEventAt: null, lastEventAt: null, partition: 0, offset: 7, revision: 1, provisional: false, eventIds: [] };
    const stale = { ...good, offset: 6, saleCount: 99, grossMinor: 99_999 };
    await producer.send({
      topic: changelogTopic(env.KAFKA_TOPIC!),
      messages: [
        { key: "cl-bad", value: "{not json", partition: 0 },
        { key: "cl-bad", value: encodeChangelogRow({ ...good, storeId: "cl-bad", currency: "euro" }), partition: 0 },
        { key: "cl-good", value: encodeChangelogRow(good), partition: 0 },
        { key: "cl-good", value: encodeChangelogRow(stale), partition: 0 },
      ],
    });
    await producer.disconnect();

    const dlq = kafka.consumer({ groupId: `${env.KAFKA_GROUP}-changelog-dlq-reader` });
    const dead: string[] = [];
    await dlq.connect();
    await dlq.subscribe({ topics: [`${env.KAFKA_TOPIC}.dlq`], fromBeginning: true });
    await dlq.run({ eachMessage: async ({ message }) => void dead.push(String(message.headers?.["x-dead-letter-reason"])) });
    await waitFor("two dead letters", async () => dead.length >= 2);
    await dlq.disconnect();
    expect(dead).toEqual(["minute changelog: value is not JSON", "minute changelog: currency: currency must be 3 upper-case letters"]);

    const db = new pg.Client({ connectionString: env.PG_URL });
    await db.connect();
    try {
      await waitFor("the good row in minute_totals", async () => (await db.query("SELECT 1 FROM minute_totals WHERE store_id = 'cl-good'")).rowCount === 1);
      // the older version (lower source offset) that came after it did not overwrite it
      const r = await db.query("SELECT sale_count::int, net_minor::int, source_offset::int, revision FROM minute_totals WHERE store_id = 'cl-good'");
      expect(r.rows).toEqual([{ sale_count: 2, net_minor: 800, source_offset: 7, revision: 1 }]);
    } finally {
      await db.end();
    }
  });

  it("records late events from the changelog once however often they are delivered, and dead-letters bad ones with the reason", async () => {
    const kafka = new Kafka({ brokers: env.KAFKA_BROKERS!.split(","), logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const late = {
      event: { eventId: "3f1e2d4c-5b6a-4789-8a0b-1c2d3e4f5a6b", storeId: "cl-late", occurredAt: "2026-11-30T08:00:00.250+01:00", occurredAtMs: Date.UTC(2026, 10, 30, 7, 0, 0, 250), type: "refund" as const, currency: "EUR", lines: [{ sku: "x", quantity: 1, unitPriceMinor: 1234 }], totalMinor: 1234, itemCount: 1 },
      partition: 2,
      offset: 4242,
      appendTime: Date.UTC(2026, 10, 30, 9),
      reason: "beyond allowed lateness",
    };
    const value = encodeChangelogLate(late);
    await producer.send({
      topic: changelogTopic(env.KAFKA_TOPIC!),
      messages: [
        { key: "cl-late", value, partition: 1 },
        { key: "cl-late-bad", value: JSON.stringify({ ...JSON.parse(value), currency: "EURO" }), partition: 1 },
        { key: "cl-late-bad", value: JSON.stringify({ ...JSON.parse(value), kind: "other" }), partition: 1 },
        { key: "cl-late", value, partition: 2 }, // the same event delivered again (a replayed window batch)
      ],
    });
    await producer.disconnect();

    const dlq = kafka.consumer({ groupId: `${env.KAFKA_GROUP}-changelog-late-dlq-reader` });
    const dead: string[] = [];
    await dlq.connect();
    await dlq.subscribe({ topics: [`${env.KAFKA_TOPIC}.dlq`], fromBeginning: true });
    await dlq.run({ eachMessage: async ({ message }) => void (String(message.key) === "cl-late-bad" && dead.push(String(message.headers?.["x-dead-letter-reason"]))) });
    await waitFor("two late dead letters", async () => dead.length >= 2);
    await dlq.disconnect();
    expect(dead.sort()).toEqual(['minute changelog: kind: unknown record kind "other"', "minute changelog: late event: currency: currency must be 3 upper-case letters"]);

    const db = new pg.Client({ connectionString: env.PG_URL });
    await db.connect();
    try {
      // both copies were processed once the analytics group committed past them on both partitions
      await waitFor("the analytics group to commit past both copies", async () => {
        const lag = await app.runtime.adapters.analytics!.consumer.lag();
        return lag.filter((l) => l.partition === 1 || l.partition === 2).every((l) => l.committed >= l.end);
      });
      const r = await db.query(
        "SELECT source_partition, source_offset::int, event_id::text, store_id, occurred_at, type, currency, total_minor::int, reason FROM late_events WHERE store_id = 'cl-late'",
      );
      expect(r.rows).toEqual([
        { source_partition: 2, source_offset: 4242, event_id: late.event.eventId, store_id: "cl-late", occurred_at: new Date(late.event.occurredAtMs), type: "refund", currency: "EUR", total_minor: 1234, reason: "beyond allowed lateness" },
      ]);
    } finally {
      await db.end();
    }
  });
});
