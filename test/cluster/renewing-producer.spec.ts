import type { Kafka } from "kafkajs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeEvent } from "../../src/domain/event.ts";
import { decodeLogRecord } from "../../src/domain/log-record.ts";
import { createKafka } from "../../src/event-log/kafka/kafka-client.ts";
import { DurableProducer } from "../../src/event-log/kafka/durable-producer.ts";
import { KafkaIngestLog } from "../../src/event-log/kafka/kafka-ingest-log.ts";
import { PgSeenIds } from "../../src/projections/postgres/pg-seen-ids.ts";
import { migrateAll } from "../../src/runtime/cluster-adapters.ts";
import { saleEvent } from "../support/embedded-app.ts";
import { isolatedEnv, settingsFrom } from "./support.ts";

interface Read {
  value: string;
  producerId: string;
  producerEpoch: number;
}

/** Every record of partition 0 of `topic` so far, with the producer id and epoch of its batch. */
async function readAll(kafka: Kafka, topic: string, count: number): Promise<Read[]> {
  const consumer = kafka.consumer({ groupId: `${topic}.reader.${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const read: Read[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${read.length} of ${count} records of ${topic} within 30 s`)), 30_000);
    void consumer.run({
      eachMessage: async ({ message }) => {
        const batch = (message as unknown as { batchContext: { producerId: string; producerEpoch: number } }).batchContext;
        read.push({ value: String(message.value), producerId: batch.producerId, producerEpoch: batch.producerEpoch });
        if (read.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return read;
}

interface Broker {
  produce(r: { producerId: string; producerEpoch: number; acks: number; timeout: number; topicData: unknown[] }): Promise<unknown>;
}

/**
 * Appends records under another producer's id, sequences 1–6, through kafkajs' own broker
 * connection (private API, reached on purpose): the broker then expects sequence 7 from that
 * producer, whose next batch carries sequence 1. That is the state an outage can leave behind
 * (tulios/kafkajs#598), made on demand.
 */
async function forgeSequences(kafka: Kafka, topic: string, producerId: string, producerEpoch: number): Promise<void> {
  const create = Object.getOwnPropertySymbols(kafka).find((s) => s.description === "private:Kafka:createCluster")!;
  const cluster = (kafka as unknown as Record<symbol, (o: object) => { connect(): Promise<void>; disconnect(): Promise<void>; addTargetTopic(t: string): Promise<void>; findLeaderForPartitions(t: string, p: number[]): Record<string, number[]>; findBroker(b: { nodeId: string }): Promise<Broker> }>)[create]!({});
  await cluster.connect();
  try {
    await cluster.addTargetTopic(topic);
    const [nodeId] = Object.keys(cluster.findLeaderForPartitions(topic, [0]));
    const broker = await cluster.findBroker({ nodeId: nodeId! });
    const messages = Array.from({ length: 6 }, (_, i) => ({ key: "k", value: `forged-${i}` }));
    await broker.produce({ producerId, producerEpoch, acks: -1, timeout: 5000, topicData: [{ topic, partitions: [{ partition: 0, firstSequence: 1, messages }] }] });
  } finally {
    await cluster.disconnect();
  }
}

describe("a producer whose sequence numbers the broker refuses is replaced", () => {
  let kafka: Kafka;
  let topic: string;
  let ingestTopic: string;
  let pool: pg.Pool;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const isolated = await isolatedEnv(1);
    drop = isolated.drop;
    const s = settingsFrom(isolated.env);
    await migrateAll(s);
    pool = new pg.Pool({ connectionString: s.PG_URL, max: 2 });
    kafka = createKafka({ brokers: s.KAFKA_BROKERS.split(","), topic: s.KAFKA_TOPIC, partitions: 1 });
    topic = `${s.KAFKA_TOPIC}.renew`;
    ingestTopic = `${s.KAFKA_TOPIC}.renew-ingest`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [topic, ingestTopic].map((t) => ({ topic: t, numPartitions: 1, replicationFactor: 1 })) });
    await admin.disconnect();
  }, 60_000);

  afterAll(async () => {
    await pool?.end();
    await drop?.();
  });

  it("sends the refused batch again with a new producer id, and every later send goes through", async () => {
    const out = new DurableProducer(kafka, topic);
    await out.connect();
    try {
      await out.send([{ key: "k", value: "first" }]);
      const [first] = await readAll(kafka, topic, 1);
      await forgeSequences(kafka, topic, first!.producerId, first!.producerEpoch);

      await out.send([{ key: "k", value: "after-refusal" }]);
      await out.send([{ key: "k", value: "later" }]);

      const all = await readAll(kafka, topic, 9);
      expect(all.map((r) => r.value)).toEqual(["first", ...Array.from({ length: 6 }, (_, i) => `forged-${i}`), "after-refusal", "later"]);
      expect(all[7]!.producerId).not.toBe(first!.producerId);
      expect(all[8]!.producerId).toBe(all[7]!.producerId);
    } finally {
      await out.close();
    }
  }, 120_000);

  it("ingest: the append after the refusal is acknowledged (not answered 503), and is in the log once", async () => {
    const event = (id: string) => {
      const r = decodeEvent({ ...saleEvent({ storeId: "renew-store" }), eventId: id });
      if (!r.ok) throw new Error(JSON.stringify(r.issues));
      return r.event;
    };
    const log = new KafkaIngestLog(kafka, ingestTopic, 1, new PgSeenIds(pool), () => undefined);
    await log.connect();
    try {
      const [a, b] = [event("00000000-0000-4000-8000-00000000a001"), event("00000000-0000-4000-8000-00000000a002")];
      expect(await log.appendNew([a])).toEqual({ accepted: 1, duplicates: 0, conflicts: [] });
      const [first] = await readAll(kafka, ingestTopic, 1);
      await forgeSequences(kafka, ingestTopic, first!.producerId, first!.producerEpoch);

      expect(await log.appendNew([b])).toEqual({ accepted: 1, duplicates: 0, conflicts: [] });
      expect(log.healthy()).toBe(true);

      const all = await readAll(kafka, ingestTopic, 8);
      const ids = all.filter((r) => !r.value.startsWith("forged-")).map((r) => {
        const decoded = decodeLogRecord(r.value);
        if (!decoded.ok) throw new Error(decoded.reason);
        return decoded.event.eventId;
      });
      expect(ids).toEqual([a.eventId, b.eventId]);
    } finally {
      await log.close();
    }
  }, 120_000);
});
