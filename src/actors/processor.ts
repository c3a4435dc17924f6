import { start, stop, type Ref } from "nact";
import type { LogEndObservation } from "../domain/partition-progress.ts";
import type { LogConsumer, LogRecord, PartitionHandler } from "../event-log/ports.ts";
import { componentLogger } from "../observability/logger.ts";
import { throttledErrors } from "../observability/throttled-log.ts";
import { askActor } from "./ask.ts";
import type { ActorDeps } from "./deps.ts";
import type { PartitionMsg, PartitionReply } from "./messages.ts";
import { spawnPartitionActor, type PartitionActor } from "./partition-actor.ts";

const LOG_END_TIMEOUT_MS = 5000;
const log = componentLogger("processor");

/**
 * Connects a consumer group member to the actors: one partition actor per assigned partition, a
 * wall-clock sweep that closes quiet windows, and commits that never pass unwritten data.
 */
export class Processor implements PartitionHandler {
  private readonly system = start();
  private readonly partitions = new Map<number, PartitionActor>();
  private readonly windows = new Map<number, number>();
  /** Partitions this member owns now: only these take batches (and commit). */
  private readonly assignedPartitions = new Set<number>();
  private sweeper: NodeJS.Timeout | null = null;
  private stopping = false;
  /**
   * Each partition's sweep in progress: a partition's next sweep waits for its own last one, never
   * for another partition's (one slow partition, say adopting a previous owner's rows, no longer holds
   * back every other partition's closes and commits). Stop waits for them all.
   */
  private readonly sweeping = new Map<number, Promise<void>>();

  constructor(
    private readonly deps: ActorDeps,
    private readonly consumer: () => LogConsumer,
    private readonly onError: (err: unknown) => void = throttledErrors("[processor]"),
  ) {}

  openWindows(): number {
    let n = 0;
    for (const w of this.windows.values()) n += w;
    return n;
  }

  private async ask(p: number, make: (replyTo: Ref<PartitionReply>) => PartitionMsg): Promise<PartitionReply> {
    const actor = this.partitions.get(p);
    if (!actor) return { ok: true, commitOffset: null, windows: 0 };
    const reply = await askActor(actor.ref, make, this.deps, (kind) => `partition ${p}: ${kind}`);
    if (reply.ok) this.windows.set(p, reply.windows);
    return reply;
  }

  /**
   * A gained partition starts empty; its rows load lazily. An actor left from an earlier ownership
   * may hold windows (a revocation whose flush failed) that predate another owner's writes:
   * continuing from them would overwrite that owner's rows with fewer events, so it is reset first.
   * It is reset by a message, after whatever was asked of it before (a sweep of the unowned
   * partition), not replaced: a stopped actor drops the message it was about to run, and a new one
   * under the same name would take the old one's address (nact resolves actors by path).
   */
  async assigned(partitions: number[]): Promise<void> {
    for (const p of partitions) {
      this.assignedPartitions.add(p);
      if (!this.partitions.has(p)) {
        this.partitions.set(p, spawnPartitionActor(this.system, p, this.deps));
        continue;
      }
      const reply = await this.ask(p, (replyTo) => ({ kind: "reset", replyTo }));
      if (!reply.ok) throw new Error(`partition ${p} could not be reset for its new ownership: ${reply.error}`);
    }
  }

  async revoked(partitions: number[]): Promise<Map<number, number>> {
    const safe = new Map<number, number>();
    for (const p of partitions) {
      this.assignedPartitions.delete(p);
      const reply = await this.ask(p, (replyTo) => ({ kind: "revoke", replyTo }));
      if (!reply.ok) this.onError(new Error(`partition ${p} could not flush on revocation: ${reply.error}`));
      else if (reply.commitOffset !== null) safe.set(p, reply.commitOffset);
      // The partition actor stays (reset): stopping it would strand batches already queued to it.
      this.windows.delete(p);
    }
    return safe;
  }

  /**
   * Refuses a partition this member does not own (a straggler fetched before a rebalance, or a batch
   * before `assigned` ran): applied here it would write rows over the owner's, from an older view.
   * The consumer retries it until the partition is assigned or its fetch is stale.
   */
  async batch(partition: number, records: LogRecord[]): Promise<number> {
    if (!this.assignedPartitions.has(partition) || !this.partitions.has(partition)) throw new Error(`partition ${partition} is not assigned to this member`);
    const reply = await this.ask(partition, (replyTo) => ({ kind: "batch", records, committed: () => this.committedOffset(partition), replyTo }));
    if (!reply.ok) throw new Error(`partition ${partition}: ${reply.error}`);
    if (log.isLevelEnabled("debug")) log.debug({ partition, first: records[0]!.offset, last: records[records.length - 1]!.offset, commitOffset: reply.commitOffset }, "batch handled");
    return reply.commitOffset ?? records[0]!.offset;
  }

  /** Log ends and committed offsets, bounded: during a broker outage a pass or batch must not wait for ever. */
  private lagWithin(): ReturnType<LogConsumer["lag"]> {
    return Promise.race([
      this.consumer().lag(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${LOG_END_TIMEOUT_MS} ms`)), LOG_END_TIMEOUT_MS).unref()),
    ]);
  }

  /** The group's committed offset of one partition (a failure fails the batch, which is retried). */
  private async committedOffset(partition: number): Promise<number | null> {
    return (await this.lagWithin()).find((l) => l.partition === partition)?.committed ?? null;
  }

  /**
   * The log's end per partition, read after noting the wall time: a partition that has processed up
   * to it has seen every record appended before that time (and may close its quiet minutes by it).
   */
  private async logEnds(): Promise<Map<number, LogEndObservation>> {
    const observedAt = this.deps.now();
    try {
      // Bounded: during a broker outage the pass must still checkpoint and close by stream time.
      const lag = await this.lagWithin();
      return new Map(lag.map((l) => [l.partition, { end: l.end, committed: l.committed, observedAt }]));
    } catch (err) {
      this.onError(new Error(`reading the log end failed (quiet minutes stay open until it succeeds): ${(err as Error).message}`));
      return new Map();
    }
  }

  /**
   * One wall-clock pass: closes windows the partitions' progress has passed, passivates idle stores,
   * commits what became safe. Partitions are swept side by side; one still busy with its last sweep
   * is not asked again. Resolves when every partition's sweep (new or still running) has finished.
   */
  sweep(): Promise<void> {
    let ends: Promise<Map<number, LogEndObservation>> | null = null;
    const passes = [...this.partitions.keys()].map((p) => {
      let pass = this.sweeping.get(p);
      if (!pass) {
        // The log ends are read once per pass, and only if some partition is swept in it.
        ends ??= this.logEnds();
        pass = this.sweepPartition(p, ends).finally(() => this.sweeping.delete(p));
        this.sweeping.set(p, pass);
      }
      return pass;
    });
    return Promise.all(passes).then(() => undefined);
  }

  private async sweepPartition(p: number, ends: Promise<Map<number, LogEndObservation>>): Promise<void> {
    const observed = await ends;
    const owned = this.assignedPartitions.has(p);
    const logEnd = owned ? (observed.get(p) ?? null) : null;
    // Turn by turn: the partition's batches queued meanwhile run between the turns.
    for (let continued = false; ; continued = true) {
      const reply = await this.ask(p, (replyTo) => ({ kind: "sweep", owned, logEnd, continued, replyTo }));
      if (!reply.ok) return this.onError(new Error(`partition ${p} sweep: ${reply.error}`));
      if (reply.commitOffset !== null && this.assignedPartitions.has(p)) await this.consumer().commit(p, reply.commitOffset);
      if (!reply.more || this.stopping) return;
    }
  }

  startSweeper(intervalMs: number): void {
    this.sweeper = setInterval(() => this.sweep().catch(this.onError), intervalMs);
    this.sweeper.unref();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.sweeper) clearInterval(this.sweeper);
    await Promise.allSettled([...this.sweeping.values()]);
    for (const actor of this.partitions.values()) actor.retire();
    this.partitions.clear();
    stop(this.system);
  }
}
