import type { Kafka } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProducer } from "../../src/event-log/kafka/kafka-client.ts";
import { COMMIT_EVERY_MS, KafkaLogConsumer } from "../../src/event-log/kafka/kafka-consumer.ts";
import type { PartitionHandler } from "../../src/event-log/ports.ts";
import { waitFor } from "../support/embedded-app.ts";
import { countingKafka, isolatedTopic } from "./support.ts";

const PARTITIONS = 6;

/**
 * A member's commits go to Kafka together: one request for all its partitions, at most every
 * COMMIT_EVERY_MS, however many batches it handles; and they still reach the log end. Real Kafka; the
 * member's own client counts its OffsetCommit requests from kafkajs' request log.
 */
describe("KafkaLogConsumer commits", () => {
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  let kafka: Kafka;
  let consumer: KafkaLogConsumer | null = null;

  beforeAll(async () => {
    ({ env, drop, kafka } = await isolatedTopic(PARTITIONS));
  });
  afterAll(async () => {
    await consumer?.stop().catch(() => undefined);
    await drop?.();
  });

  it("sends the offsets of many batches in few requests, and commits up to the log end", async () => {
    const counting = countingKafka(env.KAFKA_BROKERS!, "OffsetCommit");
    let batches = 0;
    const handler: PartitionHandler = {
      assigned: async () => undefined,
      revoked: async () => new Map(),
      batch: async (_p, records) => {
        batches += 1;
        return records[records.length - 1]!.offset + 1;
      },
    };
    consumer = new KafkaLogConsumer(counting.kafka, { groupId: env.KAFKA_GROUP!, topic: env.KAFKA_TOPIC!, concurrency: PARTITIONS, onError: () => undefined });
    await consumer.run(handler);

    const producer = createProducer(kafka);
    await producer.connect();
    const started = Date.now();
    try {
      // One record at a time over every partition, 15 ms apart: most records are a batch of their own.
      for (let i = 0; i < 180; i++) {
        await producer.send({ topic: env.KAFKA_TOPIC!, messages: [{ partition: i % PARTITIONS, value: `r${i}` }] });
        await new Promise((r) => setTimeout(r, 15));
      }
    } finally {
      await producer.disconnect();
    }
    const committedAll = await waitFor(async () => {
      const lag = await consumer!.lag();
      return lag.length === PARTITIONS && lag.every((l) => l.end === 30 && l.committed === 30) ? true : null;
    }, 30_000, 100);
    expect(committedAll).toBe(true);
    const elapsed = Date.now() - started;
    expect(batches, "most records came as a batch of their own").toBeGreaterThanOrEqual(60);
    // Per batch and partition this was one request each.
    expect(counting.count()).toBeGreaterThan(0);
    expect(counting.count()).toBeLessThanOrEqual(Math.ceil(elapsed / COMMIT_EVERY_MS) + 2);
  }, 90_000);
});
