import type { PartitionClock } from "./windows.ts";
import type { WindowingConfig } from "./windowing-config.ts";

/**
 * How far one partition has been processed in this life of its owner: what closes its windows
 * (stream time, caught-up time) and how far it may commit. Owned by the partition actor; pure.
 */
export interface PartitionProgress extends PartitionClock {
  /** Next offset after the last record handled, or null before the first batch of this life. */
  nextOffset: number | null;
  /**
   * The last commit offset at which every written row was also in a written partition aggregate
   * (initially the offset this life started from). While an aggregate is unwritten, commits stop
   * there: a crash then replays records of the minute, whose load repairs the aggregate.
   */
  totalsCommit: number | null;
  /** A batch was handled since the last wall-clock pass (see takeQuiet). */
  handledSincePass: boolean;
}

export function newPartitionProgress(): PartitionProgress {
  return { streamTime: 0, caughtUpAt: 0, nextOffset: null, totalsCommit: null, handledSincePass: false };
}

/** An event's time moves stream time forward, bounded by its append time + allowed skew (a far-future clock cannot close windows). */
export function advanceStreamTime(p: PartitionProgress, occurredAtMs: number, appendTime: number, cfg: WindowingConfig): void {
  const bounded = Math.min(occurredAtMs, appendTime + cfg.maxFutureSkewMs);
  if (bounded > p.streamTime) p.streamTime = bounded;
}

/** Records that a batch of records [firstOffset, lastOffset] has been handled (applied and held or written). */
export function recordHandled(p: PartitionProgress, firstOffset: number, lastOffset: number): void {
  if (p.nextOffset === null && p.totalsCommit === null) p.totalsCommit = firstOffset;
  p.nextOffset = lastOffset + 1;
  p.handledSincePass = true;
}

/**
 * A batch that starts past the next offset this life expects: records in between were not handled
 * here. Usually harmless (a transactional producer's commit marker takes an offset), but it may
 * mean another member owned the partition meanwhile: see isStaleLife, which the group's committed
 * offset decides.
 */
export function skipsAhead(p: PartitionProgress, firstOffset: number): boolean {
  return p.nextOffset !== null && firstOffset > p.nextOffset;
}

/**
 * Whether this life's state is stale: the group's committed offset is past everything this life
 * handled, which only another member can have done (this one never commits past its next offset).
 * This member was dropped from the group for a generation it never saw and now "keeps" a partition
 * someone else owned meanwhile; its in-memory windows lack that member's events and, written with
 * newer offsets, would overwrite its rows with fewer events. The state must start again from the
 * stored rows (everything it held below the commit is in them: the other member flushed before it
 * committed). A gap with the commit still behind this life is only a gap: the state stays, since
 * what it holds unflushed would not be read again.
 */
export function isStaleLife(p: PartitionProgress, groupCommitted: number | null): boolean {
  return p.nextOffset !== null && groupCommitted !== null && groupCommitted > p.nextOffset;
}

/** The log's end and the group's committed offset for this partition, read after wall time `observedAt`. */
export interface LogEndObservation {
  end: number;
  committed: number;
  observedAt: number;
}

/** Whether every record the log held at the observation has been processed (by this life, or committed before it). */
export function isCaughtUp(p: PartitionProgress, o: LogEndObservation): boolean {
  return Math.max(p.nextOffset ?? 0, o.committed) >= o.end;
}

/** A partition with no lag at wall time T has seen every record appended before T: its quiet windows may close by T. */
export function recordLogEnd(p: PartitionProgress, o: LogEndObservation): void {
  if (isCaughtUp(p, o) && o.observedAt > p.caughtUpAt) p.caughtUpAt = o.observedAt;
}

/**
 * Called once per wall-clock pass: whether the partition is quiet — caught up to the log end and no
 * batch handled since the previous pass. A quiet partition writes its open windows at once instead
 * of at the next checkpoint interval: after a backlog drains, or between sparse events, nothing new
 * is coming to batch them with, and waiting only delays the rows (and the commit behind them).
 * While records keep arriving the checkpoint interval still paces the writes.
 */
export function takeQuiet(p: PartitionProgress, o: LogEndObservation | null): boolean {
  const quiet = o !== null && !p.handledSincePass && p.nextOffset !== null && isCaughtUp(p, o);
  p.handledSincePass = false;
  return quiet;
}

export interface CommitDecision {
  /** Offset safe to commit, or null (nothing handled yet in this life). */
  offset: number | null;
  /** The new totalsCommit to record with applyCommit. */
  totalsCommit: number | null;
}

/**
 * The offset safe to commit: not past the lowest offset any store holds only in memory, and not
 * past the last point where the partition aggregates were all written.
 */
export function decideCommit(p: PartitionProgress, storeMinDirty: Iterable<number | null>, totalsUnwritten: boolean): CommitDecision {
  if (p.nextOffset === null) return { offset: null, totalsCommit: p.totalsCommit };
  let stores = p.nextOffset;
  for (const d of storeMinDirty) if (d !== null && d < stores) stores = d;
  if (!totalsUnwritten) return { offset: stores, totalsCommit: stores };
  return { offset: p.totalsCommit === null ? null : Math.min(stores, p.totalsCommit), totalsCommit: p.totalsCommit };
}

export function applyCommit(p: PartitionProgress, d: CommitDecision): void {
  p.totalsCommit = d.totalsCommit;
}
