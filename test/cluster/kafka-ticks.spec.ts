import type { Kafka } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { partitionFor } from "../../src/event-log/partitioner.ts";
import { KafkaTicks } from "../../src/live/kafka-ticks.ts";
import type { LiveTick, Tick } from "../../src/live/ports.ts";
import { waitFor } from "../support/embedded-app.ts";
import { countingKafka, isolatedTopic } from "./support.ts";

/**
 * An instance's own ticks reach its subscribers at once and not again through the topic (a second,
 * later copy could go out to websocket clients after a newer tick); other instances' ticks come
 * through the topic. Real Kafka.
 */
describe("KafkaTicks: own ticks in process, other instances' through Kafka", () => {
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  let kafka: Kafka;
  const closing: KafkaTicks[] = [];

  beforeAll(async () => {
    ({ env, drop, kafka } = await isolatedTopic(2));
  });
  afterAll(async () => {
    for (const t of closing) await t.close().catch(() => undefined);
    await drop?.();
  });

  /** A ticks topic of two partitions for one test. */
  async function createTopic(topic: string): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
  }

  const tick = (storeId: string, saleCount: number): Tick => ({
    storeId, minute: 0, currency: "EUR", saleCount, refundCount: 0, grossMinor: 100 * saleCount, refundMinor: 0, itemCount: saleCount,
    firstEventAt: 1, lastEventAt: 2, partition: 0, offset: saleCount, revision: saleCount, provisional: true,
  });

  it("delivers the instance's own ticks once, without the topic, and the other instance's through it", async () => {
    const topic = `${env.KAFKA_TOPIC}.ticks`;
    const main = new KafkaTicks(kafka, topic, { partitions: 2, origin: "instance-a" });
    const worker = new KafkaTicks(kafka, topic, { partitions: 2, origin: "instance-a", subscribe: false });
    const other = new KafkaTicks(kafka, topic, { partitions: 2, origin: "instance-b", subscribe: false });
    closing.push(main, worker, other);
    await main.start();
    await worker.start();
    await other.start();
    const received: LiveTick[] = [];
    main.subscribe((ticks) => received.push(...ticks));

    // The worker's tick reaches the main thread through the thread port, i.e. deliverLocally.
    main.deliverLocally([tick("s-1", 1)]);
    expect(received).toEqual([tick("s-1", 1)]);
    // The main thread reads from the latest offset: publish until the other instance's ticks arrive.
    let n = 0;
    await waitFor(async () => {
      n += 1;
      // Same store, so the same partition: each of the worker's copies precedes the other instance's tick in the topic.
      worker.publish([tick("s-1", 1)]);
      other.publish([tick("s-1", 100 + n)]);
      return received.some((t) => (t as Tick).saleCount > 100) ? true : null;
    }, 30_000, 100);
    expect(received.filter((t) => (t as Tick).saleCount === 1)).toHaveLength(1);
  }, 60_000);

  it("an instance that processes in its own event loop delivers its ticks to itself at once", async () => {
    const single = new KafkaTicks(kafka, `${env.KAFKA_TOPIC}.ticks`, { partitions: 2, origin: "instance-c" });
    closing.push(single);
    await single.start();
    const received: LiveTick[] = [];
    single.subscribe((ticks) => received.push(...ticks));
    single.publish([tick("s-2", 7)]);
    expect(received).toEqual([tick("s-2", 7)]);
  }, 60_000);

  it("sends a flush's ticks as one message per partition (at most 1,000 ticks each), every store on its own partition", async () => {
    const topic = `${env.KAFKA_TOPIC}.ticks-grouping`;
    await createTopic(topic);
    const publisher = new KafkaTicks(kafka, topic, { partitions: 2, origin: "instance-d", subscribe: false });
    closing.push(publisher);
    await publisher.start();
    // 2,500 stores' ticks in one turn, so in one flush: at least three messages on a partition.
    const sent = Array.from({ length: 2500 }, (_, i) => tick(`store-${i}`, i + 1));
    publisher.publish(sent);

    const reader = kafka.consumer({ groupId: `${env.KAFKA_TOPIC}-grouping-reader` });
    const messages: { partition: number; key: string; ticks: Tick[] }[] = [];
    await reader.connect();
    await reader.subscribe({ topics: [topic], fromBeginning: true });
    await reader.run({
      eachMessage: async ({ partition, message }) => {
        messages.push({ partition, key: message.key!.toString(), ticks: JSON.parse(message.value!.toString()) as Tick[] });
      },
    });
    try {
      await waitFor(async () => (messages.reduce((n, m) => n + m.ticks.length, 0) >= sent.length ? true : null), 30_000, 50);
      const received = messages.flatMap((m) => m.ticks);
      expect(received).toHaveLength(sent.length);
      expect(new Set(received.map((t) => t.storeId))).toEqual(new Set(sent.map((t) => t.storeId)));
      for (const m of messages) {
        expect(m.ticks.length).toBeLessThanOrEqual(1000);
        expect(partitionFor(m.key, 2)).toBe(m.partition);
        for (const t of m.ticks) expect(partitionFor(t.storeId, 2)).toBe(m.partition);
      }
      // 2,500 ticks over two partitions in chunks of 1,000: four or five messages, not one per store.
      expect(messages.length).toBeLessThanOrEqual(5);
    } finally {
      await reader.disconnect();
    }
  }, 60_000);

  it("commits where it has read every few seconds, not after every batch, and commits it", async () => {
    const topic = `${env.KAFKA_TOPIC}.ticks-commits`;
    await createTopic(topic);
    const counting = countingKafka(env.KAFKA_BROKERS!, "OffsetCommit");
    const reader = new KafkaTicks(counting.kafka, topic, { partitions: 2, origin: "instance-e" });
    const publisher = new KafkaTicks(kafka, topic, { partitions: 2, origin: "instance-f", subscribe: false });
    closing.push(reader, publisher);
    await reader.start();
    await publisher.start();
    const received = new Set<number>();
    reader.subscribe((ticks) => ticks.forEach((t) => received.add((t as Tick).saleCount)));
    const started = Date.now();
    // Flushes 60 ms apart, each fetched on its own: kafkajs' auto-commit made a commit of every one.
    for (let n = 1; n <= 30; n++) {
      publisher.publish([tick("s-commits", n)]);
      await new Promise((r) => setTimeout(r, 60));
    }
    await waitFor(async () => (received.size >= 30 ? true : null), 30_000, 50);
    // It still commits: the resume point of a restarted consumer.
    await waitFor(async () => (counting.count() > 0 ? true : null), 15_000, 100);
    const seconds = (Date.now() - started) / 1000;
    expect(counting.count()).toBeLessThanOrEqual(Math.ceil(seconds / 5) + 1);
  }, 60_000);
});
