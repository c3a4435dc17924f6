import { Kafka, logLevel, Partitioners, type Admin, type Producer, type ProducerConfig } from "kafkajs";
import { kafkaLogCreator } from "../../observability/kafka-logging.ts";

export interface KafkaSettings {
  brokers: string[];
  topic: string;
  partitions: number;
  clientId?: string;
}

export function topicNames(topic: string) {
  return { events: topic, deadLetters: `${topic}.dlq`, ticks: `${topic}.ticks` };
}

export function createKafka(s: KafkaSettings): Kafka {
  return new Kafka({
    clientId: s.clientId ?? "intraday-sales",
    brokers: s.brokers,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator,
    connectionTimeout: 3000,
    requestTimeout: 10_000,
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 2000 },
  });
}

/**
 * A producer of this app. Its partitioner is named (kafkajs' default, the Java client's murmur2):
 * left unnamed, kafkajs warns at every producer it creates.
 */
export function createProducer(kafka: Kafka, config: Omit<ProducerConfig, "createPartitioner"> = {}): Producer {
  return kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, ...config });
}

/**
 * Creates the events, dead-letter and ticks topics with the configured partition count. An
 * existing events topic with another count is an error: stores would silently move partitions.
 */
export async function ensureTopics(admin: Admin, s: KafkaSettings): Promise<void> {
  const names = topicNames(s.topic);
  const existing = new Set(await admin.listTopics());
  const wanted = [names.events, names.deadLetters, names.ticks].filter((t) => !existing.has(t));
  if (wanted.length) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: wanted.map((topic) => ({ topic, numPartitions: topic === names.events ? s.partitions : Math.min(s.partitions, 6), replicationFactor: 1 })),
    });
  }
  const meta = await admin.fetchTopicMetadata({ topics: [names.events] });
  const count = meta.topics[0]?.partitions.length ?? 0;
  if (count !== s.partitions) {
    throw new Error(
      `topic ${names.events} has ${count} partitions but INTRADAY_PARTITIONS=${s.partitions}. The partition count is fixed: ` +
        `set INTRADAY_PARTITIONS=${count}, or use a new INTRADAY_KAFKA_TOPIC and replay.`,
    );
  }
}
