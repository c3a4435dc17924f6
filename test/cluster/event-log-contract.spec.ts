import { Kafka, logLevel } from "kafkajs";
import { createKafka, ensureTopics, topicNames } from "../../src/event-log/kafka/kafka-client.ts";
import { KafkaLogConsumer } from "../../src/event-log/kafka/kafka-consumer.ts";
import { KafkaDeadLetters } from "../../src/event-log/kafka/kafka-dead-letters.ts";
import { KafkaIngestLog } from "../../src/event-log/kafka/kafka-ingest-log.ts";
import type { RecordedId, SeenIds } from "../../src/event-log/ports.ts";
import { eventLogContract } from "../contract/event-log.contract.ts";
import { isolatedEnv } from "./support.ts";

/** The id index is PostgreSQL in the app; here an in-memory one, so the contract is about Kafka alone. */
class MemorySeenIds implements SeenIds {
  private readonly ids = new Map<string, bigint>();
  async seen(ids: readonly string[]) {
    return new Map(ids.flatMap((id) => (this.ids.has(id) ? [[id, this.ids.get(id)!] as const] : [])));
  }
  async remember(ids: readonly RecordedId[]) {
    for (const { eventId, fingerprint } of ids) this.ids.set(eventId, fingerprint);
  }
}

eventLogContract(
  "Kafka",
  async () => {
    const { env, drop } = await isolatedEnv(4);
    const settings = { brokers: env.KAFKA_BROKERS!.split(","), topic: env.KAFKA_TOPIC!, partitions: 4 };
    const names = topicNames(settings.topic);
    const kafka = createKafka(settings);
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, settings);
    const log = new KafkaIngestLog(kafka, names.events, 4, new MemorySeenIds(), () => undefined);
    await log.connect();
    const deadLetters = new KafkaDeadLetters(kafka, names.deadLetters);
    await deadLetters.connect();
    const raw = new Kafka({ clientId: "other-producer", brokers: settings.brokers, logLevel: logLevel.NOTHING }).producer();
    await raw.connect();
    const dead: { partition: number; offset: number; reason: string }[] = [];
    const dlqReader = kafka.consumer({ groupId: `${env.KAFKA_GROUP}-dlq-reader` });
    await dlqReader.connect();
    await dlqReader.subscribe({ topics: [names.deadLetters], fromBeginning: true });
    await dlqReader.run({
      eachMessage: async ({ message }) =>
        void dead.push({
          partition: Number(message.headers?.["x-source-partition"]),
          offset: Number(message.headers?.["x-source-offset"]),
          reason: String(message.headers?.["x-dead-letter-reason"]),
        }),
    });
    return {
      log,
      consumer: (groupId) => new KafkaLogConsumer(kafka, { groupId, topic: names.events, concurrency: 4, onError: () => undefined }),
      deadLetters,
      readDeadLetters: async () => dead,
      appendRaw: async (key, value, partition) => void (await raw.send({ topic: names.events, acks: -1, messages: [{ key, value, partition }] })),
      async close() {
        await dlqReader.disconnect();
        await raw.disconnect();
        await deadLetters.close();
        await log.close();
        await admin.disconnect();
        await drop();
      },
    };
  },
  60_000,
);
