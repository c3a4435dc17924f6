import { CompressionTypes, type Kafka } from "kafkajs";
import { createIdempotentProducer } from "./kafka-client.ts";
import { RenewingProducer } from "./renewing-producer.ts";
import type { SaleEvent } from "../../domain/event.ts";
import { fingerprintOf } from "../../ingest/fingerprint.ts";
import { encodeForLog } from "../../domain/log-record.ts";
import { componentLogger } from "../../observability/logger.ts";
import { GroupCommit } from "../../shared/group-commit.ts";
import { throttledErrors } from "../../observability/throttled-log.ts";
import { partitionFor } from "../partitioner.ts";
import { LogUnavailableError, type AppendResult, type IngestLog, type RecordedId, type SeenIds } from "../ports.ts";

interface Pending {
  events: readonly SaleEvent[];
  /** The record values, encoded at once: a request's values wait for the group's send, and held as bytes they are one flat buffer each, not string pieces. */
  values: Buffer[];
  bytes: number;
}

/** Most record bytes per produce request: one record batch per partition must stay under the broker's message.max.bytes (1 MiB). */
const MAX_GROUP_BYTES = 512 * 1024;
/** Groups whose ids may still be on their way into the id index; the next group waits for the oldest past this. */
const MAX_REMEMBERS_IN_FLIGHT = 4;

/**
 * Ingest into Kafka: idempotent producer, acks=all, records keyed and partitioned by store. Event
 * ids already seen are not appended again; the check is best effort (a crash between append and
 * remember, or two racing retries, can append twice) and the store actors' dedupe makes it exact.
 * A request is answered once Kafka has its records: recording their ids in the index goes on behind
 * it (the ids wait in memory meanwhile, so this instance still sees them), which takes one
 * PostgreSQL round trip off every acknowledgement and every group's turn.
 */
export class KafkaIngestLog implements IngestLog {
  private readonly producer: RenewingProducer;
  private lastSendOk = true;
  private closed = false;
  /** Requests that arrive while a send is in flight go out together in the next one. */
  private readonly sends = new GroupCommit<Pending, AppendResult>((group) => this.appendGroup(group), { weight: (p) => p.bytes, maxWeight: MAX_GROUP_BYTES });
  /** Ids appended whose recording in the index has not finished, with their fingerprints. */
  private readonly remembering = new Map<string, bigint>();
  private readonly remembers: Promise<void>[] = [];

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    readonly partitions: number,
    private readonly seenIds: SeenIds,
    private readonly onWarning: (msg: string) => void = throttledWarnings(),
  ) {
    // Few, short retries: a POST is waiting, and answers 503 rather than hang while the broker is away.
    this.producer = new RenewingProducer(() => createIdempotentProducer(this.kafka, { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 }));
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  /** Appends are always attempted (the broker may be back); a failure answers 503 for that request. */
  isAvailable(): boolean {
    return !this.closed;
  }

  /** Whether the last append reached the broker: what readiness reports. */
  healthy(): boolean {
    return this.lastSendOk;
  }

  appendNew(events: readonly SaleEvent[]): Promise<AppendResult> {
    const values = events.map((e) => Buffer.from(encodeForLog(e)));
    let bytes = 0;
    for (const v of values) bytes += v.length;
    return this.sends.submit({ events, values, bytes });
  }

  private async appendGroup(group: readonly Pending[]): Promise<AppendResult[]> {
    let seen = new Map<string, bigint | null>();
    try {
      seen = await this.seenIds.seen(group.flatMap((p) => p.events.map((e) => e.eventId)));
    } catch (err) {
      this.onWarning(`ingest dedupe index unavailable, appending without it (processing still dedupes): ${(err as Error).message}`);
    }
    for (const p of group) {
      for (const e of p.events) {
        const pending = this.remembering.get(e.eventId);
        if (pending !== undefined) seen.set(e.eventId, pending);
      }
    }
    const results: AppendResult[] = [];
    const fresh: RecordedId[] = [];
    const messages: { key: string; value: Buffer; partition: number; timestamp: string }[] = [];
    const timestamp = String(Date.now());
    for (const p of group) {
      const fingerprints = p.events.map(fingerprintOf);
      const conflicts: number[] = [];
      p.events.forEach((e, i) => {
        const known = seen.get(e.eventId);
        if (known !== undefined && known !== null && known !== fingerprints[i]) conflicts.push(i);
      });
      if (conflicts.length) {
        results.push({ accepted: 0, duplicates: 0, conflicts });
        continue;
      }
      let accepted = 0;
      p.events.forEach((e, i) => {
        // Seen before, or appended by an earlier request of this group: a duplicate, as if the requests had come one after the other.
        if (seen.has(e.eventId)) return;
        seen.set(e.eventId, fingerprints[i]!);
        fresh.push({ eventId: e.eventId, fingerprint: fingerprints[i]! });
        messages.push({ key: e.storeId, value: p.values[i]!, partition: partitionFor(e.storeId, this.partitions), timestamp });
        accepted++;
      });
      results.push({ accepted, duplicates: p.events.length - accepted, conflicts: [] });
    }
    if (messages.length) {
      try {
        await this.producer.send({ topic: this.topic, acks: -1, timeout: 5000, compression: CompressionTypes.None, messages });
        this.lastSendOk = true;
      } catch (err) {
        this.lastSendOk = false;
        throw new LogUnavailableError(`Kafka did not acknowledge the append: ${(err as Error).message}`, 5);
      }
      await this.rememberBehind(fresh);
    }
    return results;
  }

  private async rememberBehind(fresh: RecordedId[]): Promise<void> {
    if (this.remembers.length >= MAX_REMEMBERS_IN_FLIGHT) await this.remembers[0];
    for (const r of fresh) this.remembering.set(r.eventId, r.fingerprint);
    const done: Promise<void> = this.seenIds
      .remember(fresh)
      .catch((err: unknown) => this.onWarning(`could not record ingested event ids (retries will be deduped by processing): ${(err as Error).message}`))
      .finally(() => {
        for (const r of fresh) if (this.remembering.get(r.eventId) === r.fingerprint) this.remembering.delete(r.eventId);
        this.remembers.splice(this.remembers.indexOf(done), 1);
      });
    this.remembers.push(done);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.sends.settled();
    await Promise.all(this.remembers);
    await this.producer.disconnect();
  }
}

/** One line per distinct warning per 10 s (with the repeat count): an outage of the id index must not log once per request. */
function throttledWarnings(): (msg: string) => void {
  const log = componentLogger("ingest-log");
  const report = throttledErrors("", 10_000, (line) => log.warn(line.trimStart()));
  return (msg) => report(new Error(msg));
}
