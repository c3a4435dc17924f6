import { MINUTE_MS, minuteOf } from "./time.ts";
import type { WindowingConfig } from "./windowing-config.ts";

/**
 * Window arithmetic, in one place: which window an event belongs to, when a window closes, when an
 * event is beyond lateness, when a window may be evicted, and which of two versions of a row is
 * newer. Store windows, partition totals, queries, the live view, the runtime and the recomputation
 * oracle all ask here.
 */

/** The window (UTC minute start) of an event time: windows are `[m, m + 60 s)`. */
export function windowOf(occurredAtMs: number): number {
  return minuteOf(occurredAtMs);
}

/** The partition's stream time must reach this for the window to close. */
export function closesAt(minute: number, cfg: WindowingConfig): number {
  return minute + MINUTE_MS + cfg.graceMs;
}

/**
 * How far a partition has certainly progressed. `streamTime` is the highest (bounded) event time
 * it has processed. `caughtUpAt` is the latest wall time T at which it had processed every record
 * the log held at T: a quiet partition's windows close by that, never by the wall clock alone.
 */
export interface PartitionClock {
  streamTime: number;
  caughtUpAt: number;
}

/**
 * A window is closed when its partition's progress has passed its close: stream time past end +
 * grace, or (quiet partition) caught up to the log end at a wall time past end + grace + idle slack.
 */
export function isClosedBy(minute: number, progress: PartitionClock, cfg: WindowingConfig): boolean {
  const close = closesAt(minute, cfg);
  return progress.streamTime >= close || progress.caughtUpAt >= close + cfg.idleSlackMs;
}

/** Beyond this append time an event no longer corrects its window (judged by append time, so replays agree). */
export function isBeyondLateness(minute: number, appendTime: number, cfg: WindowingConfig): boolean {
  return appendTime > closesAt(minute, cfg) + cfg.allowedLatenessMs;
}

/** After this wall time a closed, written window can take no more events and may leave memory. */
export function settledAt(minute: number, cfg: WindowingConfig): number {
  return closesAt(minute, cfg) + cfg.idleSlackMs + cfg.allowedLatenessMs;
}

export function mayEvict(minute: number, now: number, cfg: WindowingConfig): boolean {
  return now > settledAt(minute, cfg);
}

/** The oldest window start that can still be open or corrected at `now`: the adoption horizon of a new owner. */
export function oldestUnsettledMinute(now: number, cfg: WindowingConfig): number {
  return minuteOf(now - (MINUTE_MS + cfg.graceMs + cfg.idleSlackMs + cfg.allowedLatenessMs));
}

/** What tells two versions of one store window apart: the log position they include and whether they are final. */
export interface RowVersion {
  offset: number;
  provisional: boolean;
}

/**
 * Whether `next` is newer than `prev`: it includes more of the log (higher offset), or the same
 * log made final. Rows only grow by offset, and a row at a given offset is always the same content.
 */
export function isNewerRow(prev: RowVersion | undefined, next: RowVersion): boolean {
  if (!prev) return true;
  if (next.offset !== prev.offset) return next.offset > prev.offset;
  return prev.provisional && !next.provisional;
}

/** Partition aggregates carry a version that only grows (see partition-totals.ts). */
export function isNewerAggregate(prev: { version: number } | undefined, next: { version: number }): boolean {
  return !prev || next.version > prev.version;
}
