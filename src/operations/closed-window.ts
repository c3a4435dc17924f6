import { MINUTE_MS, minuteOf } from "../domain/time.ts";
import type { WindowingConfig } from "../domain/windowing-config.ts";

/**
 * The end (exclusive, a whole minute) of the minutes no processor can change any more: a minute is
 * settled once the wall clock has passed its end + grace + idle slack + allowed lateness. Later
 * events for it are recorded as late and left to reconciliation, so operations may rewrite settled
 * minutes without racing the live processors.
 */
export function settledBefore(now: number, cfg: Pick<WindowingConfig, "graceMs" | "idleSlackMs" | "allowedLatenessMs">): number {
  // minute m is settled when m + 1 min + extra <= now, so the first unsettled one is minuteOf(now - extra)
  return minuteOf(now - cfg.graceMs - cfg.idleSlackMs - cfg.allowedLatenessMs);
}

/** A [from, to) range of whole minutes. */
export interface MinuteRange {
  from: number;
  to: number;
}

/** [from, to) widened to whole minutes. */
export function wholeMinutes(from: number, to: number): MinuteRange {
  const f = minuteOf(from);
  const t = minuteOf(to) === to ? to : minuteOf(to) + MINUTE_MS;
  return { from: f, to: t };
}
