import type { Kafka } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKafka, ensureTopics } from "../../src/event-log/kafka/kafka-client.ts";
import { KafkaTicks } from "../../src/live/kafka-ticks.ts";
import type { LiveTick, Tick } from "../../src/live/ports.ts";
import { waitFor } from "../support/embedded-app.ts";
import { isolatedEnv } from "./support.ts";

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
    ({ env, drop } = await isolatedEnv(2));
    kafka = createKafka({ brokers: env.KAFKA_BROKERS!.split(","), topic: env.KAFKA_TOPIC!, partitions: 2 });
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, { brokers: [], topic: env.KAFKA_TOPIC!, partitions: 2 });
    await admin.disconnect();
  });
  afterAll(async () => {
    for (const t of closing) await t.close().catch(() => undefined);
    await drop?.();
  });

  const tick = (storeId: string, saleCount: number): Tick => ({
    storeId, minute: 0, currency: "EUR", saleCount, refundCount: 0, grossMinor: 100 * saleCount, refundMinor: 0, itemCount: saleCount,
    firstEventAt: 1, lastEventAt: 2, partition: 0, offset: saleCount, revision: saleCount, provisional: true,
  });

  it("delivers the instance's own ticks once, without the topic, and the other instance's through it", async () => {
    const topic = `${env.KAFKA_TOPIC}.ticks`;
    const main = new KafkaTicks(kafka, topic, { origin: "instance-a" });
    const worker = new KafkaTicks(kafka, topic, { origin: "instance-a", subscribe: false });
    const other = new KafkaTicks(kafka, topic, { origin: "instance-b", subscribe: false });
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
    const single = new KafkaTicks(kafka, `${env.KAFKA_TOPIC}.ticks`, { origin: "instance-c" });
    closing.push(single);
    await single.start();
    const received: LiveTick[] = [];
    single.subscribe((ticks) => received.push(...ticks));
    single.publish([tick("s-2", 7)]);
    expect(received).toEqual([tick("s-2", 7)]);
  }, 60_000);
});
