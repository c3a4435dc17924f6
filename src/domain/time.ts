export const MINUTE_MS = 60_000;

/** Start of the UTC epoch minute containing `ms`: windows are `[m, m + 60 s)`. */
export function minuteOf(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

export function isoMinute(ms: number): string {
  return new Date(ms).toISOString();
}

/** UTC day (YYYY-MM-DD) of an instant: the partition bucket of minute rows. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
