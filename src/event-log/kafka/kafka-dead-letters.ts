import type { Kafka } from "kafkajs";
import type { DeadLetterSink, LogRecord } from "../ports.ts";
import { DurableProducer } from "./durable-producer.ts";

/** Unreadable records go to `<topic>.dlq` unchanged, with the reason and their origin in headers. */
export class KafkaDeadLetters implements DeadLetterSink {
  private readonly out: DurableProducer;

  constructor(kafka: Kafka, topic: string) {
    this.out = new DurableProducer(kafka, topic);
  }

  connect(): Promise<void> {
    return this.out.connect();
  }

  async deadLetter(record: LogRecord, reason: string): Promise<void> {
    const headers = {
      "x-dead-letter-reason": reason,
      "x-source-partition": String(record.partition),
      "x-source-offset": String(record.offset),
      "x-source-timestamp": String(record.appendTime),
    };
    await this.out.send([{ key: record.key, value: record.value, headers }]);
  }

  close(): Promise<void> {
    return this.out.close();
  }
}
