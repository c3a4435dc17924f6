import { randomUUID } from "node:crypto";
import type { Consumer, ConsumerRunConfig, Kafka, Producer } from "kafkajs";
import { createProducer } from "../event-log/kafka/kafka-client.ts";
import { partitionFor } from "../event-log/partitioner.ts";
import { restartAfterFatalCrash } from "../event-log/kafka/crash-restart.ts";
import { FETCH_WAIT_MS } from "../event-log/kafka/kafka-consumer.ts";
import { componentLogger } from "../observability/logger.ts";
import { throttledErrors } from "../observability/throttled-log.ts";
import { InProcessTicks } from "./in-process-ticks.ts";
import { isPartitionTick, type LiveTick, type TickPublisher, type TickSubscriber } from "./ports.ts";

/** Ticks per Kafka message at most: about 250 bytes each, so a message stays far below the broker's 1 MB limit. */
const TICKS_PER_MESSAGE = 1000;
/** How often the ticks consumer commits where it has read (see commitRead). */
const TICKS_COMMIT_INTERVAL_MS = 5000;

/**
 * Ticks through a Kafka topic, so any API instance can serve any store's subscribers. Ticks are
 * ephemeral (the projections are the truth): published in small batches with acks=1, and read by
 * every instance in its own consumer group from the latest offset.
 *
 * A flush sends one message per topic partition its ticks hash to (a JSON array of ticks), keyed by
 * one of its stores, so every store's ticks still land on that store's partition, in order. One
 * message per store cost a record, its headers and its own JSON per tick: at a trickle (about one
 * tick per store per flush) that was a Kafka record for every event, encoded here, stored by the
 * broker and decoded by every instance (docs/benchmarks-cluster.md, session 32).
 *
 * An instance's own ticks reach its own subscribers at once, not through the topic: each message
 * carries its instance's `origin`, and a reader skips its own (a round trip through Kafka was half
 * of POST → tick, and a second, later copy could reach websocket clients after a newer tick). The
 * processing worker of an instance shares the instance's origin.
 */
export class KafkaTicks implements TickPublisher, TickSubscriber {
  private readonly producer: Producer;
  /** Only an instance that serves the live feed reads ticks. */
  private consumer: Consumer | null = null;
  private readonly local = new InProcessTicks();
  private buffer: LiveTick[] = [];
  private timer: NodeJS.Timeout | null = null;
  private closing = false;
  private restarting: () => Promise<void> = () => Promise.resolve();
  /** Per partition, the offset after the last tick read since the last commit (see commitRead). */
  private readonly readTo = new Map<number, number>();
  private committer: NodeJS.Timeout | null = null;

  private readonly origin: string;

  /** `subscribe: false`: publish only (a processing worker serves no websocket, so it reads no ticks). */
  /**
   * `partitions`: the ticks topic's partition count (the events topic's, see ensureTopics); a wrong
   * one only mixes stores of several partitions in one message, which costs their order, never a tick.
   */
  constructor(private readonly kafka: Kafka, private readonly topic: string, private readonly opts: { partitions: number; subscribe?: boolean; flushMs?: number; origin?: string }) {
    this.producer = createProducer(kafka, { allowAutoTopicCreation: false });
    this.origin = opts.origin ?? randomUUID();
  }

  async start(): Promise<void> {
    await this.producer.connect();
    if (this.opts.subscribe === false) return;
    const consumer = this.kafka.consumer({ groupId: `intraday-live-${randomUUID()}`, maxWaitTimeInMs: FETCH_WAIT_MS, minBytes: 1, sessionTimeout: 10_000, heartbeatInterval: 1000 });
    this.consumer = consumer;
    // Throttled: during a broker outage kafkajs reports a crash on every rejoin attempt.
    const log = componentLogger("ticks");
    const report = throttledErrors("ticks consumer:", 10_000, (line) => log.warn(line));
    // A consumer kafkajs gives up on would leave this instance's live feed silent for good.
    this.restarting = restartAfterFatalCrash(consumer, {
      restart: async () => {
        await consumer.connect();
        await consumer.run(this.runConfig());
      },
      isStopping: () => this.closing,
      onError: report,
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [this.topic], fromBeginning: false });
    await consumer.run(this.runConfig());
    this.committer = setInterval(() => this.commitRead(consumer, report), TICKS_COMMIT_INTERVAL_MS).unref();
  }

  private runConfig(): ConsumerRunConfig {
    return {
      // kafkajs' auto-commit commits after every partition's batch, whatever its interval says: at a trickle
      // that was more requests to Kafka than all else the instance sent (docs/benchmarks-cluster.md, session 34).
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          if (!m.value || m.headers?.origin?.toString() === this.origin) continue;
          try {
            this.local.publish(JSON.parse(m.value.toString()) as LiveTick[]);
          } catch {
            /* a malformed tick is ignored: ticks are only a live hint */
          }
        }
        this.readTo.set(batch.partition, Number(batch.lastOffset()) + 1);
      },
    };
  }

  /**
   * The group is this instance's alone: its offsets only matter when the consumer restarts (after a
   * crash kafkajs gives up on), which then resumes at most an interval back. Ticks read twice are
   * harmless, since a tick never replaces a newer one; so a failed commit is not tried again.
   */
  private commitRead(consumer: Consumer, report: (line: string) => void): void {
    if (!this.readTo.size) return;
    const offsets = [...this.readTo].map(([partition, next]) => ({ topic: this.topic, partition, offset: String(next) }));
    this.readTo.clear();
    consumer.commitOffsets(offsets).catch((err: Error) => report(`committing read offsets: ${err.message}`));
  }

  publish(ticks: readonly LiveTick[]): void {
    if (!ticks.length) return;
    this.deliverLocally(ticks);
    this.buffer.push(...ticks);
    this.timer ??= setTimeout(() => this.flush(), this.opts.flushMs ?? 5);
  }

  /** Hands ticks to this process's subscribers only: those of the instance's worker, which publishes them itself. */
  deliverLocally(ticks: readonly LiveTick[]): void {
    if (this.opts.subscribe !== false) this.local.publish(ticks);
  }

  private flush(): void {
    this.timer = null;
    const ticks = this.buffer;
    this.buffer = [];
    if (!ticks.length) return;
    const byPartition = new Map<number, { key: string; ticks: LiveTick[] }>();
    for (const t of ticks) {
      const key = isPartitionTick(t) ? `partition-${t.partition}` : t.storeId;
      const p = partitionFor(key, this.opts.partitions);
      const group = byPartition.get(p);
      if (group) group.ticks.push(t);
      else byPartition.set(p, { key, ticks: [t] });
    }
    const headers = { origin: this.origin };
    const messages: { key: string; value: string; headers: typeof headers }[] = [];
    for (const { key, ticks: list } of byPartition.values()) {
      for (let i = 0; i < list.length; i += TICKS_PER_MESSAGE) messages.push({ key, value: JSON.stringify(list.slice(i, i + TICKS_PER_MESSAGE)), headers });
    }
    this.producer.send({ topic: this.topic, acks: 1, messages }).catch((err: Error) => componentLogger("ticks").warn({ err }, "ticks not published"));
  }

  subscribe(listener: (ticks: readonly LiveTick[]) => void): () => void {
    return this.local.subscribe(listener);
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.restarting();
    if (this.committer) clearInterval(this.committer);
    if (this.timer) clearTimeout(this.timer);
    this.flush();
    await this.consumer?.disconnect();
    await this.producer.disconnect();
  }
}
