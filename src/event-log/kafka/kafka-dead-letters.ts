import type { Kafka, Producer } from "kafkajs";
import type { DeadLetterSink, LogRecord } from "../ports.ts";

/** Unreadable records go to `<topic>.dlq` unchanged, with the reason and their origin in headers. */
export class KafkaDeadLetters implements DeadLetterSink {
  private readonly producer: Producer;

  constructor(kafka: Kafka, private readonly topic: string) {
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  async deadLetter(record: LogRecord, reason: string): Promise<void> {
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: [
        {
          key: record.key,
          value: record.value,
          headers: {
            "x-dead-letter-reason": reason,
            "x-source-partition": String(record.partition),
            "x-source-offset": String(record.offset),
            "x-source-timestamp": String(record.appendTime),
          },
        },
      ],
    });
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}
