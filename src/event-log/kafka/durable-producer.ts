import type { Kafka, Message } from "kafkajs";
import { createIdempotentProducer } from "./kafka-client.ts";
import { RenewingProducer } from "./renewing-producer.ts";
import { GroupCommit } from "../../shared/group-commit.ts";

/** A group stays well under the broker's default limit of 1 MiB per record batch. */
const MAX_GROUP_BYTES = 512 * 1024;
const bytesOf = (v: Message["value"] | Message["key"]) => (v == null ? 0 : typeof v === "string" ? Buffer.byteLength(v) : v.length);
const sizeOf = (messages: Message[]) => messages.reduce((n, m) => n + bytesOf(m.value) + bytesOf(m.key), 0);

/**
 * Sends to one topic with the idempotent producer and acks=all: a send resolves only once its records
 * are durable. Sends made in the same event-loop turn, or while one is in flight, go out together as
 * one produce request, in order (the idempotent producer allows one request in flight, and a store
 * actor's flush waits for its send: one request per flush serialised the window worker). After a
 * failed send the producer is replaced (see RenewingProducer): the callers retry failed sends, and
 * what they write is idempotent downstream.
 */
export class DurableProducer {
  private readonly producer: RenewingProducer;
  private readonly sends: GroupCommit<Message[], void>;

  constructor(kafka: Kafka, readonly topic: string) {
    this.producer = new RenewingProducer(() => createIdempotentProducer(kafka));
    this.sends = new GroupCommit<Message[], void>(
      async (groups) => {
        await this.producer.send({ topic: this.topic, acks: -1, messages: groups.flat() });
        return groups.map(() => undefined);
      },
      { weight: sizeOf, maxWeight: MAX_GROUP_BYTES },
    );
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  send(messages: Message[]): Promise<void> {
    if (!messages.length) return Promise.resolve();
    return this.sends.submit(messages);
  }

  async close(): Promise<void> {
    await this.sends.settled();
    await this.producer.disconnect();
  }
}
