import { CompressionTypes, type Kafka, type Producer } from "kafkajs";
import { encodeForLog, type SaleEvent } from "../../domain/event.ts";
import { partitionFor } from "../partitioner.ts";
import { LogUnavailableError, type AppendResult, type IngestLog } from "../ports.ts";

/** Remembers which event ids ingest has already appended (PostgreSQL in the real stack). */
export interface SeenIds {
  /** The subset of ids already appended before. */
  seen(ids: readonly string[]): Promise<Set<string>>;
  remember(ids: readonly string[]): Promise<void>;
}

/**
 * Ingest into Kafka: idempotent producer, acks=all, records keyed and partitioned by store. Event
 * ids already seen are not appended again; the check is best effort (a crash between append and
 * remember, or two racing retries, can append twice) and the store actors' dedupe makes it exact.
 */
export class KafkaIngestLog implements IngestLog {
  private producer: Producer;
  private lastSendOk = true;
  private broken = false;
  private closed = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    readonly partitions: number,
    private readonly seenIds: SeenIds,
    private readonly onWarning: (msg: string) => void = (m) => console.warn(m),
  ) {
    this.producer = this.newProducer();
  }

  private newProducer(): Producer {
    return this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 } });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  /** After a failed send the idempotent producer's sequence state is unknown: start a fresh one. */
  private async ready(): Promise<Producer> {
    if (this.broken) {
      const old = this.producer;
      this.producer = this.newProducer();
      this.broken = false;
      void old.disconnect().catch(() => undefined);
      await this.producer.connect();
    }
    return this.producer;
  }

  /** Appends are always attempted (the broker may be back); a failure answers 503 for that request. */
  isAvailable(): boolean {
    return !this.closed;
  }

  /** Whether the last append reached the broker: what readiness reports. */
  healthy(): boolean {
    return this.lastSendOk;
  }

  async appendNew(events: readonly SaleEvent[]): Promise<AppendResult> {
    let seen = new Set<string>();
    try {
      seen = await this.seenIds.seen(events.map((e) => e.eventId));
    } catch (err) {
      this.onWarning(`ingest dedupe index unavailable, appending without it (processing still dedupes): ${(err as Error).message}`);
    }
    const fresh = events.filter((e) => !seen.has(e.eventId));
    if (fresh.length) {
      const byPartition = new Map<number, { key: string; value: string; partition: number; timestamp: string }[]>();
      const timestamp = String(Date.now());
      for (const e of fresh) {
        const partition = partitionFor(e.storeId, this.partitions);
        let list = byPartition.get(partition);
        if (!list) byPartition.set(partition, (list = []));
        list.push({ key: e.storeId, value: encodeForLog(e), partition, timestamp });
      }
      try {
        const producer = await this.ready();
        await producer.send({ topic: this.topic, acks: -1, timeout: 5000, compression: CompressionTypes.None, messages: [...byPartition.values()].flat() });
        this.lastSendOk = true;
      } catch (err) {
        this.lastSendOk = false;
        this.broken = true;
        throw new LogUnavailableError(`Kafka did not acknowledge the append: ${(err as Error).message}`, 5);
      }
      try {
        await this.seenIds.remember(fresh.map((e) => e.eventId));
      } catch (err) {
        this.onWarning(`could not record ingested event ids (retries will be deduped by processing): ${(err as Error).message}`);
      }
    }
    return { accepted: fresh.length, duplicates: events.length - fresh.length };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.producer.disconnect();
  }
}
