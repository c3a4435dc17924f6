import { KafkaJSGroupCoordinatorNotFound, type Consumer, type ConsumerConfig, type Kafka } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KafkaLogConsumer } from "../../src/event-log/kafka/kafka-consumer.ts";
import type { PartitionHandler } from "../../src/event-log/ports.ts";
import { KafkaTicks } from "../../src/live/kafka-ticks.ts";
import type { LiveTick, PartitionTick } from "../../src/live/ports.ts";
import { waitFor } from "../support/embedded-app.ts";
import { isolatedTopic } from "./support.ts";

const PARTITIONS = 2;
/** What kafkajs throws when no broker names a group coordinator (its typings omit the message argument). */
const coordinatorNotFound = (): Error => Reflect.construct(KafkaJSGroupCoordinatorNotFound, ["Failed to find group coordinator (injected)"]) as Error;

/**
 * A broker outage can make kafkajs crash a consumer with an error it calls non-retriable ("Failed to
 * find group coordinator" while Kafka restarts), and then kafkajs does not restart it: found by the
 * chaos run, where the analytics group stopped for good after a Kafka outage. The fault is injected
 * at the library boundary (the first batch fetched throws that error), everything else is real Kafka.
 */
describe("a consumer that kafkajs crashes without restarting", () => {
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  let kafka: Kafka;
  let consumer: KafkaLogConsumer | undefined;
  const closing: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    ({ env, drop, kafka } = await isolatedTopic(PARTITIONS));
  });
  afterAll(async () => {
    await consumer?.stop().catch(() => undefined);
    for (const c of closing) await c.close().catch(() => undefined);
    await drop?.();
  });

  /** The real kafkajs consumer, except that its first batch throws what kafkajs throws when no coordinator is found. */
  function crashingOnce(real: Kafka): { kafka: Kafka; crashes: () => number } {
    let crashes = 0;
    const wrapped = Object.create(real) as Kafka;
    wrapped.consumer = (config: ConsumerConfig): Consumer => {
      const c = real.consumer(config);
      return {
        ...c,
        run: (cfg) =>
          c.run({
            ...cfg,
            eachBatch: async (payload) => {
              if (crashes === 0 && payload.batch.messages.length > 0) {
                crashes++;
                throw coordinatorNotFound();
              }
              await cfg!.eachBatch!(payload);
            },
          }),
      };
    };
    return { kafka: wrapped, crashes: () => crashes };
  }

  it("restarts it, and every record is handled and committed", async () => {
    const seen = new Set<string>();
    const errors: string[] = [];
    const handler: PartitionHandler = {
      async assigned() {},
      async revoked() {
        return new Map();
      },
      async batch(_p, records) {
        for (const r of records) seen.add(r.value!);
        return records[records.length - 1]!.offset + 1;
      },
    };
    const faulty = crashingOnce(kafka);
    consumer = new KafkaLogConsumer(faulty.kafka, { groupId: env.KAFKA_GROUP!, topic: env.KAFKA_TOPIC!, concurrency: PARTITIONS, onError: (e) => errors.push(String((e as Error).message)) });
    await consumer.run(handler);

    const producer = kafka.producer();
    await producer.connect();
    const values = Array.from({ length: 40 }, (_, i) => `record-${i}`);
    await producer.send({ topic: env.KAFKA_TOPIC!, messages: values.map((value, i) => ({ key: `store-${i % 5}`, value })) });
    await producer.disconnect();

    await waitFor(async () => (values.every((v) => seen.has(v)) ? true : null), 60_000, 100);
    await waitFor(async () => ((await consumer!.lag()).every((p) => p.committed === p.end) ? true : null), 30_000, 200);
    expect(faulty.crashes()).toBe(1);
    expect(errors.some((m) => /does not restart it: restarting it/.test(m))).toBe(true);
  }, 120_000);

  it("restarts the live ticks consumer too, so the instance's feed does not fall silent", async () => {
    const faulty = crashingOnce(kafka);
    const reader = new KafkaTicks(faulty.kafka, `${env.KAFKA_TOPIC}.ticks`, { partitions: PARTITIONS });
    const writer = new KafkaTicks(kafka, `${env.KAFKA_TOPIC}.ticks`, { partitions: PARTITIONS });
    closing.push(reader, writer);
    await reader.start();
    await writer.start();
    const received: LiveTick[] = [];
    reader.subscribe((ticks) => received.push(...ticks));
    let version = 0;
    const tick = (): PartitionTick => ({ kind: "partition", partition: 0, minute: 0, currency: "EUR", provisional: true, version: ++version, saleCount: 1, refundCount: 0, grossMinor: 100, refundMinor: 0, itemCount: 1, firstEventAt: 1, lastEventAt: 1 });
    // The reader starts at the latest offset and its first batch crashes it: publish until ticks arrive after the restart.
    await waitFor(async () => {
      writer.publish([tick()]);
      return faulty.crashes() === 1 && received.length > 0 ? true : null;
    }, 60_000, 200);
    expect(received.every((t) => (t as PartitionTick).kind === "partition")).toBe(true);
  }, 120_000);
});
