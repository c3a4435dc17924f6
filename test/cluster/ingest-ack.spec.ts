import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKafka, ensureTopics, topicNames } from "../../src/event-log/kafka/kafka-client.ts";
import { KafkaIngestLog } from "../../src/event-log/kafka/kafka-ingest-log.ts";
import type { RecordedId, SeenIds } from "../../src/event-log/ports.ts";
import { decodeEvent, type SaleEvent } from "../../src/domain/event.ts";
import { PgSeenIds } from "../../src/projections/postgres/pg-seen-ids.ts";
import { migrateAll } from "../../src/runtime/cluster-adapters.ts";
import { saleEvent } from "../support/embedded-app.ts";
import { isolatedEnv, settingsFrom } from "./support.ts";

/** The real PostgreSQL id index, whose `remember` waits for the test to open a gate. */
class GatedSeenIds implements SeenIds {
  private release!: () => void;
  private readonly gate = new Promise<void>((r) => (this.release = r));
  constructor(private readonly real: SeenIds) {}
  seen(ids: readonly string[]) {
    return this.real.seen(ids);
  }
  async remember(ids: readonly RecordedId[]) {
    await this.gate;
    await this.real.remember(ids);
  }
  open() {
    this.release();
  }
}

function event(over: Record<string, unknown> = {}): SaleEvent {
  const r = decodeEvent({ ...saleEvent({ storeId: "ack-store" }), ...over });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.event;
}

describe("a Kafka append is acknowledged before its ids reach the PostgreSQL index", () => {
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  let pool: pg.Pool;
  let kafka: ReturnType<typeof createKafka>;
  let topic: string;

  beforeAll(async () => {
    ({ env, drop } = await isolatedEnv(2));
    const s = settingsFrom(env);
    await migrateAll(s);
    const settings = { brokers: s.KAFKA_BROKERS.split(","), topic: s.KAFKA_TOPIC, partitions: 2 };
    kafka = createKafka(settings);
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, settings);
    await admin.disconnect();
    topic = topicNames(settings.topic).events;
    pool = new pg.Pool({ connectionString: s.PG_URL, max: 2 });
  }, 60_000);

  afterAll(async () => {
    await pool?.end();
    await drop?.();
  });

  it("answers while the id is still on its way, treats a resend meanwhile as a duplicate (a changed payload as a conflict), and records it; close waits for that", async () => {
    const index = new GatedSeenIds(new PgSeenIds(pool));
    const log = new KafkaIngestLog(kafka, topic, 2, index, () => undefined);
    await log.connect();
    const e = event();
    expect(await log.appendNew([e])).toEqual({ accepted: 1, duplicates: 0, conflicts: [] });
    expect((await new PgSeenIds(pool).seen([e.eventId])).has(e.eventId)).toBe(false); // not recorded yet: the ack did not wait
    expect(await log.appendNew([e])).toEqual({ accepted: 0, duplicates: 1, conflicts: [] });
    expect(await log.appendNew([{ ...e, currency: "USD" }])).toEqual({ accepted: 0, duplicates: 0, conflicts: [0] });

    let closed = false;
    const closing = log.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 200));
    expect(closed, "close waits for the ids still on their way").toBe(false);
    index.open();
    await closing;
    expect((await new PgSeenIds(pool).seen([e.eventId])).get(e.eventId)).not.toBeUndefined();

    // Another instance (or this one restarted) now finds it in the index.
    const other = new KafkaIngestLog(kafka, topic, 2, new PgSeenIds(pool), () => undefined);
    await other.connect();
    expect(await other.appendNew([e])).toEqual({ accepted: 0, duplicates: 1, conflicts: [] });
    await other.close();
  }, 60_000);

  it("keeps at most four groups' ids in memory: past that, the next append waits for the index", async () => {
    const index = new GatedSeenIds(new PgSeenIds(pool));
    const log = new KafkaIngestLog(kafka, topic, 2, index, () => undefined);
    await log.connect();
    for (let i = 0; i < 4; i++) expect((await log.appendNew([event()])).accepted).toBe(1); // one group each
    let fifth = false;
    const pending = log.appendNew([event()]).then((r) => (fifth = r.accepted === 1));
    await new Promise((r) => setTimeout(r, 300));
    expect(fifth, "the fifth group waits while four are unrecorded").toBe(false);
    index.open();
    await pending;
    expect(fifth).toBe(true);
    await log.close();
  }, 60_000);
});
