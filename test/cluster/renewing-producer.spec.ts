import type { Kafka } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKafka } from "../../src/event-log/kafka/kafka-client.ts";
import { DurableProducer } from "../../src/event-log/kafka/durable-producer.ts";
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
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const isolated = await isolatedEnv(1);
    drop = isolated.drop;
    const s = settingsFrom(isolated.env);
    kafka = createKafka({ brokers: s.KAFKA_BROKERS.split(","), topic: s.KAFKA_TOPIC, partitions: 1 });
    topic = `${s.KAFKA_TOPIC}.renew`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
    await admin.disconnect();
  }, 60_000);

  afterAll(async () => {
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
});
