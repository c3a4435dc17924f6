import type { Kafka, Message, Producer } from "kafkajs";

/** Sends to one topic with the idempotent producer and acks=all: a send resolves only once the record is durable. */
export class DurableProducer {
  private readonly producer: Producer;

  constructor(kafka: Kafka, readonly topic: string) {
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  async send(messages: Message[]): Promise<void> {
    if (!messages.length) return;
    await this.producer.send({ topic: this.topic, acks: -1, messages });
  }

  close(): Promise<void> {
    return this.producer.disconnect();
  }
}
