import { retryWithBackoff } from "../../consumers/retry.ts";
import { componentLogger } from "../../observability/logger.ts";
import type { LogConsumer, PartitionHandler } from "../ports.ts";
import type { SqliteLog } from "./sqlite-log.ts";

const consumerLog = componentLogger("embedded-consumer");
/** With nothing to read, the loop looks again after this long, or at the next append. */
const IDLE_WAIT_MS = 250;

/**
 * A group off the live path (raw history) lets records gather before a pass, as its Kafka consumer
 * lets the broker gather a fetch (BULK_FETCH_WAIT_MS): at a low rate every append would otherwise
 * be a pass of its own, with its own transaction and fsync.
 */
export interface GatherOptions {
  /** A pass starts at once when this many records are waiting. */
  minRecords: number;
  /** Else it starts this long after the wait began. */
  maxWaitMs: number;
}

export interface SqliteConsumerOptions {
  /** Most records handed over per partition per pass. */
  maxBatch?: number;
  onError?: (err: unknown) => void;
  gather?: GatherOptions;
}

/**
 * A consumer group member over the embedded log. In one process it owns every partition; it reads
 * from the committed offset, hands batches to the handler and commits what the handler says is safe.
 */
export class SqliteConsumer implements LogConsumer {
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private readonly onAppend = () => this.wake?.();

  private readonly maxBatch: number;
  private readonly onError: (err: unknown) => void;
  private readonly gather: GatherOptions | null;

  constructor(
    private readonly log: SqliteLog,
    readonly groupId: string,
    o: SqliteConsumerOptions = {},
  ) {
    this.maxBatch = o.maxBatch ?? 5000;
    this.onError = o.onError ?? ((err) => consumerLog.error({ err }, "embedded consumer error"));
    this.gather = o.gather && o.gather.maxWaitMs > 0 ? o.gather : null;
  }

  async run(handler: PartitionHandler): Promise<void> {
    const partitions = Array.from({ length: this.log.partitions }, (_, p) => p);
    const position = partitions.map((p) => this.log.committed(this.groupId, p));
    await handler.assigned(partitions);
    this.running = true;
    this.log.appended.on("append", this.onAppend);
    this.loop = (async () => {
      while (this.running) {
        await this.gathered(position);
        // A failed batch keeps its position: it is handed over again after the backoff (replay-safe).
        const progressed = await retryWithBackoff(() => this.pass(handler, partitions, position), {
          shouldRetry: () => this.running,
          onRetry: (err) => this.onError(err),
        }).catch((err: unknown) => {
          if (this.running) throw err;
          return true;
        });
        if (!progressed && this.running) await this.sleep(IDLE_WAIT_MS);
      }
      // A clean stop hands over what was gathering (the log takes no appends by then): nothing is left to replay.
      if (this.gather && this.waiting(position) > 0) await this.pass(handler, partitions, position, true).catch((err: unknown) => this.onError(err));
      this.log.commitMany(this.groupId, await handler.revoked(partitions));
    })();
  }

  /** Until the next append (or stop), at most `ms`. */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((r) => {
      const t = setTimeout(() => {
        this.wake = null;
        // Not woken: appends by a connection that does not tell this one (another process) show now.
        this.log.refreshEnds();
        r();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = null;
        r();
      };
    });
  }

  /** Records appended past this member's positions. */
  private waiting(position: readonly number[]): number {
    let n = 0;
    for (let p = 0; p < position.length; p++) n += this.log.endOffset(p) - position[p]!;
    return n;
  }

  /**
   * With `gather`: returns once `minRecords` wait, or `maxWaitMs` after the first record was seen
   * waiting (or on stop). While nothing waits it sleeps until an append.
   */
  private async gathered(position: readonly number[]): Promise<void> {
    if (!this.gather) return;
    let deadline = Infinity;
    while (this.running) {
      const waiting = this.waiting(position);
      if (waiting >= this.gather.minRecords) return;
      if (waiting > 0 && deadline === Infinity) deadline = Date.now() + this.gather.maxWaitMs;
      const left = deadline - Date.now();
      if (left <= 0) return;
      await this.sleep(Math.min(left, IDLE_WAIT_MS));
    }
  }

  /**
   * Every partition with records is handled concurrently, as a Kafka consumer hands over the
   * partitions of one poll: their projection writes then share one group-committed transaction.
   * The records come from one snapshot and the offsets are committed together once every partition
   * has settled. Throws the first failure (after committing what succeeded); says whether any made progress.
   */
  private async pass(handler: PartitionHandler, partitions: number[], position: number[], final = false): Promise<boolean> {
    if (!this.running && !final) return false;
    const polled = this.log.readMany(partitions.map((p) => ({ partition: p, fromOffset: position[p]!, max: this.maxBatch })));
    const safe = new Map<number, number>();
    const outcomes = await Promise.allSettled(
      partitions.map(async (p, i) => {
        const records = polled[i]!;
        if (records.length === 0) return;
        safe.set(p, await handler.batch(p, records));
        position[p] = records[records.length - 1]!.offset + 1;
      }),
    );
    this.log.commitMany(this.groupId, safe);
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
    if (failed) throw failed.reason;
    return safe.size > 0;
  }

  async commit(partition: number, offset: number): Promise<void> {
    this.log.commit(this.groupId, partition, offset);
  }

  async lag(): Promise<{ partition: number; end: number; committed: number }[]> {
    return Array.from({ length: this.log.partitions }, (_, p) => ({
      partition: p,
      end: this.log.endOffset(p),
      committed: this.log.committed(this.groupId, p),
    }));
  }

  async stop(): Promise<void> {
    this.running = false;
    this.log.appended.off("append", this.onAppend);
    this.wake?.();
    await this.loop;
  }
}
