import type { Admin, Consumer, ConsumerRunConfig, EachBatchPayload, Kafka } from "kafkajs";
import { classifyFailure } from "../../consumers/failure-kind.ts";
import { retryWithBackoff } from "../../consumers/retry.ts";
import { componentLogger } from "../../observability/logger.ts";
import { throttledErrors } from "../../observability/throttled-log.ts";
import type { LogConsumer, LogRecord, PartitionHandler } from "../ports.ts";
import { restartAfterFatalCrash } from "./crash-restart.ts";

/** How long the broker may hold a fetch that finds no records. */
export const FETCH_WAIT_MS = 250;
/**
 * Offsets safe to commit go to Kafka together, at most this often: one request for every partition
 * of the member. A commit after every partition's batch was about 0.02 requests per accepted event at
 * a trickle, each a write to Kafka's offsets log. Committing later is always safe (a replay from an
 * older offset is exact), and the committed lag grows by at most this.
 */
export const COMMIT_EVERY_MS = 250;

export interface KafkaConsumerOptions {
  groupId: string;
  topic: string;
  /** Process partitions side by side (each partition stays in order). */
  concurrency: number;
  /** Bulk consumers (not on the latency path) let the broker gather records: at a low rate one fetch per record costs more than the record. */
  fetch?: { minBytes: number; maxWaitMs: number };
  onError?: (err: unknown) => void;
}

/** What a new assignment changes: partitions lost, gained, and the whole new set. */
export function assignmentChange(before: ReadonlySet<number>, after: readonly number[]): { lost: number[]; gained: number[]; now: Set<number> } {
  const now = new Set(after);
  return { lost: [...before].filter((p) => !now.has(p)).sort((a, b) => a - b), gained: [...now].filter((p) => !before.has(p)).sort((a, b) => a - b), now };
}

/**
 * A consumer group member over Kafka with manual commits. Offsets are committed only as far as the
 * handler says is flushed. A failing batch (say, Cassandra down) is retried in place with backoff
 * while heartbeating, so the partition pauses instead of skipping. On a rebalance the partitions this
 * member keeps keep their state (actors, open windows); only the lost ones are flushed and stopped,
 * and only the gained ones start. Kept partitions are fetched again from the committed offset;
 * records the state already holds are skipped by their offsets. kafkajs restarts itself after a
 * retriable crash but leaves the consumer dead after a "non-retriable" one, some of which are
 * broker outages (no group coordinator found while Kafka restarts): this member then restarts it
 * itself, so a partition never stays without a consumer.
 */
export class KafkaLogConsumer implements LogConsumer {
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  private readonly committed = new Map<number, number>();
  /** Offsets safe to commit that are not sent yet (see COMMIT_EVERY_MS). */
  private readonly pending = new Map<number, number>();
  private commitTimer: NodeJS.Timeout | null = null;
  private commitInFlight: Promise<void> | null = null;
  private lastCommitAt = 0;
  private assigned = new Set<number>();
  private handler: PartitionHandler | null = null;
  private revoking: Promise<void> = Promise.resolve();
  private restarting: () => Promise<void> = () => Promise.resolve();
  private stopping = false;
  private readonly onError: (err: unknown) => void;
  private readonly log = componentLogger("consumer");
  readonly groupId: string;

  constructor(kafka: Kafka, private readonly opts: KafkaConsumerOptions) {
    this.groupId = opts.groupId;
    this.onError = opts.onError ?? throttledErrors(`[consumer ${opts.groupId}]`);
    this.consumer = kafka.consumer({
      groupId: opts.groupId,
      sessionTimeout: 10_000,
      rebalanceTimeout: 30_000,
      heartbeatInterval: 1000,
      // The broker answers a fetch as soon as a record arrives (minBytes 1): the wait only bounds an
      // empty poll, so a longer one adds no latency and polls a quiet log 4 times a second, not 50.
      maxWaitTimeInMs: opts.fetch?.maxWaitMs ?? FETCH_WAIT_MS,
      minBytes: opts.fetch?.minBytes ?? 1,
      maxBytesPerPartition: 4 * 1024 * 1024,
      allowAutoTopicCreation: false,
      retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 5000 },
    });
    this.admin = kafka.admin();
  }

  async run(handler: PartitionHandler): Promise<void> {
    this.handler = handler;
    const { GROUP_JOIN } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, (e) => {
      const { lost, gained, now } = assignmentChange(this.assigned, e.payload.memberAssignment[this.opts.topic] ?? []);
      this.assigned = now;
      this.log.info({ group: this.groupId, member: e.payload.memberId, partitions: [...now].sort((a, b) => a - b), gained, lost }, "partitions assigned");
      this.revoking = this.revoking
        .then(() => this.revoke(lost, { commit: false }))
        .then(() => (gained.length ? handler.assigned(gained) : undefined))
        .catch(this.onError);
    });
    this.restarting = restartAfterFatalCrash(this.consumer, {
      beforeRestart: async () => {
        const lost = [...this.assigned];
        this.assigned = new Set();
        await this.revoking;
        await this.revoke(lost, { commit: false });
      },
      restart: async () => {
        await this.consumer.connect();
        await this.consumer.run(this.runConfig());
      },
      isStopping: () => this.stopping,
      onError: this.onError,
    });
    await this.admin.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.opts.topic], fromBeginning: true });
    await this.consumer.run(this.runConfig());
  }

  private runConfig(): ConsumerRunConfig {
    return {
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.opts.concurrency,
      eachBatch: (payload) => this.eachBatch(payload),
    };
  }

  /**
   * Flushes and stops the partitions' state. Commits only while this member still owns them
   * (stopping): after a rebalance a lost partition may already be read and committed by its new
   * owner, and a late commit from here could move its offset back.
   */
  private async revoke(partitions: number[], { commit }: { commit: boolean }): Promise<void> {
    // A commit still waiting for a lost partition would move its new owner's offset back. What was
    // committed is learnt again: a commit sent while kafkajs was leaving the group may not have landed.
    for (const p of partitions) {
      this.pending.delete(p);
      this.committed.delete(p);
    }
    if (!partitions.length || !this.handler) return;
    try {
      const safe = await this.handler.revoked(partitions);
      this.log.info({ group: this.groupId, partitions, flushedTo: Object.fromEntries(safe), commit }, "partitions revoked and flushed");
      if (commit) await this.commitNow([...safe]);
    } catch (err) {
      // The next owner replays from the last commit; row offsets make that exact.
      this.onError(err);
    }
  }

  private async eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0 || !this.handler) return;
    const records: LogRecord[] = batch.messages.map((m) => ({
      partition: batch.partition,
      offset: Number(m.offset),
      key: m.key ? m.key.toString() : null,
      value: m.value ? m.value.toString() : null,
      appendTime: Number(m.timestamp),
    }));
    const stopped = new Error("partition no longer owned");
    try {
      await retryWithBackoff(
        async () => {
          if (!isRunning() || isStale()) throw stopped;
          const safe = await this.handler!.batch(batch.partition, records);
          resolveOffset(batch.lastOffset());
          await this.commit(batch.partition, safe);
          await heartbeat();
        },
        {
          shouldRetry: (err) => err !== stopped && isRunning() && !isStale(),
          onRetry: async (err) => {
            this.onError(classifyFailure(err) === "deterministic" ? new Error(`partition ${batch.partition} at ${records[0]!.offset}: a record cannot be handled and is retried (stalled): ${(err as Error).message}`) : err);
            await heartbeat();
          },
        },
      );
    } catch (err) {
      // Lost the partition or stopping: the next owner replays from the last commit. Otherwise (a
      // heartbeat failed, e.g. a rebalance started) kafkajs gets the error and rejoins, as before.
      if (err === stopped || !isRunning() || isStale()) return;
      throw err;
    }
  }

  /** Queues the offset: it goes out with the member's other partitions' (see COMMIT_EVERY_MS). */
  async commit(partition: number, offset: number): Promise<void> {
    if (offset <= (this.committed.get(partition) ?? -1) || offset <= (this.pending.get(partition) ?? -1)) return;
    this.pending.set(partition, offset);
    this.scheduleCommit();
  }

  private scheduleCommit(): void {
    if (this.commitTimer || this.commitInFlight || this.stopping) return;
    const wait = Math.max(0, this.lastCommitAt + COMMIT_EVERY_MS - Date.now());
    this.commitTimer = setTimeout(() => {
      this.commitTimer = null;
      const due = [...this.pending].filter(([p]) => this.assigned.has(p));
      this.pending.clear();
      this.commitInFlight = this.commitNow(due)
        .catch((err: unknown) => {
          // Kept for the next commit, unless a newer offset or a revocation came meanwhile.
          for (const [p, o] of due) if (this.assigned.has(p) && !this.pending.has(p)) this.pending.set(p, o);
          this.onError(err);
        })
        .finally(() => {
          this.commitInFlight = null;
          if (this.pending.size) this.scheduleCommit();
        });
    }, wait);
  }

  private async commitNow(offsets: [partition: number, offset: number][]): Promise<void> {
    const ahead = offsets.filter(([p, o]) => o > (this.committed.get(p) ?? -1));
    if (!ahead.length) return;
    this.lastCommitAt = Date.now();
    await this.consumer.commitOffsets(ahead.map(([partition, offset]) => ({ topic: this.opts.topic, partition, offset: String(offset) })));
    for (const [p, o] of ahead) if (this.assigned.has(p) && o > (this.committed.get(p) ?? -1)) this.committed.set(p, o);
    this.log.debug({ group: this.groupId, offsets: Object.fromEntries(ahead) }, "committed");
  }

  async lag(): Promise<{ partition: number; end: number; committed: number }[]> {
    const [ends, groups] = await Promise.all([
      this.admin.fetchTopicOffsets(this.opts.topic),
      this.admin.fetchOffsets({ groupId: this.groupId, topics: [this.opts.topic] }),
    ]);
    const committed = new Map((groups[0]?.partitions ?? []).map((p) => [p.partition, Math.max(0, Number(p.offset))]));
    return ends.map((e) => ({ partition: e.partition, end: Number(e.high), committed: committed.get(e.partition) ?? 0 }));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.restarting();
    // What is queued is committed below, from the partitions' flush, or replayed exactly by the next owner.
    if (this.commitTimer) clearTimeout(this.commitTimer);
    this.commitTimer = null;
    await this.commitInFlight;
    if (this.handler) {
      // Pausing needs a running consumer; after a crash kafkajs may have none, and stopping must still finish.
      try {
        this.consumer.pause([{ topic: this.opts.topic }]);
      } catch (err) {
        this.onError(err);
      }
      await this.revoking;
      await this.revoke([...this.assigned], { commit: true });
      await this.consumer.stop().catch(this.onError);
    }
    this.assigned.clear();
    await this.consumer.disconnect().catch(this.onError);
    await this.admin.disconnect().catch(this.onError);
  }
}
