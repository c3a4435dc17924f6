import type { Admin, Kafka, Producer } from "kafkajs";
import type { MinuteRow } from "../../domain/minute-row.ts";
import type { LateEvent } from "../../domain/store-windows.ts";
import type { MinuteChangelog } from "./changelog-minute-projection.ts";
import type { LateChangelog } from "./changelog-late-events.ts";
import { encodeChangelogLate, encodeChangelogRow } from "./changelog-record.ts";

export const changelogTopic = (eventsTopic: string) => `${eventsTopic}.minutes`;

/** Creates `<topic>.minutes` (as many partitions as the event log) when missing. */
export async function ensureChangelogTopic(admin: Admin, eventsTopic: string, partitions: number): Promise<void> {
  const topic = changelogTopic(eventsTopic);
  if ((await admin.listTopics()).includes(topic)) return;
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] });
}

/** Publishes written minute rows and late events, keyed by store (idempotent producer, acks=all). */
export class KafkaMinuteChangelog implements MinuteChangelog, LateChangelog {
  private readonly producer: Producer;

  constructor(kafka: Kafka, private readonly topic: string) {
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  async publish(rows: readonly MinuteRow[]): Promise<void> {
    if (!rows.length) return;
    await this.producer.send({ topic: this.topic, acks: -1, messages: rows.map((r) => ({ key: r.storeId, value: encodeChangelogRow(r) })) });
  }

  async publishLate(events: readonly LateEvent[]): Promise<void> {
    if (!events.length) return;
    await this.producer.send({ topic: this.topic, acks: -1, messages: events.map((l) => ({ key: l.event.storeId, value: encodeChangelogLate(l) })) });
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}
