export const MINUTE_MS = 60_000;

/** Start of the UTC epoch minute containing `ms`: windows are `[m, m + 60 s)`. */
export function minuteOf(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

let lastIsoMs = Number.NaN;
let lastIso = "";

/** ISO 8601 text of an instant. It keeps the last answer: rows go out sorted by minute, so most calls repeat it. */
export function isoMinute(ms: number): string {
  if (ms !== lastIsoMs) {
    lastIso = new Date(ms).toISOString();
    lastIsoMs = ms;
  }
  return lastIso;
}

/** UTC day (YYYY-MM-DD) of an instant: the partition bucket of minute rows. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * A number as V8 keeps it inside an object (a small integer) when it is one: arithmetic on doubles
 * yields heap numbers even when the result is integral, and one such value stored in a field makes
 * V8 box that field (16 bytes) in every object of its shape. A value out of int32 range stays a double.
 */
export const small = (x: number): number => (x === (x | 0) ? x | 0 : x);

/** An event time as ms into its minute (a small integer; −1 for none), or undefined if outside that minute. */
export function msIntoMinute(minute: number, at: number | null): number | undefined {
  if (at === null) return -1;
  // Exact, and so is minute + ms back, for a time within the minute: integers, or two doubles within a factor of 2 of each other.
  const ms = at - minute;
  return ms >= 0 && ms < MINUTE_MS ? small(ms) : undefined;
}

/** The event time msIntoMinute encoded (null for −1). */
export function timeInMinute(minute: number, ms: number): number | null {
  return ms < 0 ? null : minute + ms;
}
