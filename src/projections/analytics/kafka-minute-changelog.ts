import type { Admin, Kafka } from "kafkajs";
import { DurableProducer } from "../../event-log/kafka/durable-producer.ts";
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
  private readonly out: DurableProducer;

  constructor(kafka: Kafka, topic: string) {
    this.out = new DurableProducer(kafka, topic);
  }

  connect(): Promise<void> {
    return this.out.connect();
  }

  publish(rows: readonly MinuteRow[]): Promise<void> {
    return this.out.send(rows.map((r) => ({ key: r.storeId, value: encodeChangelogRow(r) })));
  }

  publishLate(events: readonly LateEvent[]): Promise<void> {
    return this.out.send(events.map((l) => ({ key: l.event.storeId, value: encodeChangelogLate(l) })));
  }

  close(): Promise<void> {
    return this.out.close();
  }
}
