import { Kafka, logLevel, Partitioners, type Admin, type ICustomPartitioner, type Producer, type ProducerConfig, type RetryOptions } from "kafkajs";
import { kafkaLogCreator } from "../../observability/kafka-logging.ts";
import { partitionFor } from "../partitioner.ts";

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
 * kafkajs' default partitioner (the Java client's: a message's own partition, else murmur2 of its
 * key, else round robin), with string keys hashed by our murmur2: kafkajs hashes through BigInt
 * Longs and filters the partition list for every message, about 3 µs per keyed message.
 */
export const producerPartitioner: ICustomPartitioner = () => {
  const kafkajsDefault = Partitioners.DefaultPartitioner();
  return (args) => {
    const { message } = args;
    if (message.partition != null) return message.partition;
    if (typeof message.key === "string") return partitionFor(message.key, args.partitionMetadata.length);
    return kafkajsDefault(args);
  };
};

/** A producer of this app (its partitioner named: left unnamed, kafkajs warns at every producer it creates). */
export function createProducer(kafka: Kafka, config: Omit<ProducerConfig, "createPartitioner"> = {}): Producer {
  return kafka.producer({ createPartitioner: producerPartitioner, ...config });
}

/**
 * The producer for records that must be in the log exactly as sent (send with acks=-1): idempotent,
 * so one request in flight keeps the broker's order per producer id, and no topic is ever created
 * by a send. `retry` replaces the client's retry settings where a caller waits on the answer.
 */
export function createIdempotentProducer(kafka: Kafka, retry?: RetryOptions): Producer {
  return createProducer(kafka, { idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, ...(retry && { retry }) });
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
