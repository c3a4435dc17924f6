import { retryWithBackoff } from "../../consumers/retry.ts";
import { componentLogger } from "../../observability/logger.ts";
import type { LogConsumer, PartitionHandler } from "../ports.ts";
import type { SqliteLog } from "./sqlite-log.ts";

const consumerLog = componentLogger("embedded-consumer");

/**
 * A consumer group member over the embedded log. In one process it owns every partition; it reads
 * from the committed offset, hands batches to the handler and commits what the handler says is safe.
 */
export class SqliteConsumer implements LogConsumer {
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private readonly onAppend = () => this.wake?.();

  constructor(
    private readonly log: SqliteLog,
    readonly groupId: string,
    private readonly maxBatch = 5000,
    private readonly onError: (err: unknown) => void = (err) => consumerLog.error({ err }, "embedded consumer error"),
  ) {}

  async run(handler: PartitionHandler): Promise<void> {
    const partitions = Array.from({ length: this.log.partitions }, (_, p) => p);
    const position = partitions.map((p) => this.log.committed(this.groupId, p));
    await handler.assigned(partitions);
    this.running = true;
    this.log.appended.on("append", this.onAppend);
    this.loop = (async () => {
      while (this.running) {
        // A failed batch keeps its position: it is handed over again after the backoff (replay-safe).
        const progressed = await retryWithBackoff(() => this.pass(handler, partitions, position), {
          shouldRetry: () => this.running,
          onRetry: (err) => this.onError(err),
        }).catch((err: unknown) => {
          if (this.running) throw err;
          return true;
        });
        if (!progressed && this.running) await new Promise<void>((r) => {
          const t = setTimeout(() => { this.wake = null; r(); }, 250);
          this.wake = () => { clearTimeout(t); this.wake = null; r(); };
        });
      }
      this.log.commitMany(this.groupId, await handler.revoked(partitions));
    })();
  }

  /**
   * Every partition with records is handled concurrently, as a Kafka consumer hands over the
   * partitions of one poll: their projection writes then share one group-committed transaction.
   * The records come from one snapshot and the offsets are committed together once every partition
   * has settled. Throws the first failure (after committing what succeeded); says whether any made progress.
   */
  private async pass(handler: PartitionHandler, partitions: number[], position: number[]): Promise<boolean> {
    if (!this.running) return false;
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
