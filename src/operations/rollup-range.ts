import { OpsUsageError } from "./ops-context.ts";

export type Grain = "hours" | "days";

/** What a rollups run covers: UTC hours [from, to), or calendar days [fromDay, toDay) in each store's time zone. */
export type RollupRange = { grain: "hours"; from: Date; to: Date } | { grain: "days"; fromDay: string; toDay: string };

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const MAX_HOURS = 24 * 93;
const MAX_DAYS = 400;

/**
 * The range of one rollups run, from the CLI's --from/--to (ISO date-times or dates) or, when
 * absent, the default for the schedule: the previous and the current hour (hourly), yesterday and
 * today (daily) so a run also finishes the period that just closed.
 */
export function rollupRange(grain: Grain, now: number, from?: string, to?: string): RollupRange {
  if (grain === "hours") {
    const f = from !== undefined ? parseInstant("--from", from) : Math.floor(now / HOUR_MS) * HOUR_MS - HOUR_MS;
    const t = to !== undefined ? parseInstant("--to", to) : Math.floor(now / HOUR_MS) * HOUR_MS + HOUR_MS;
    const fh = Math.floor(f / HOUR_MS) * HOUR_MS;
    const th = Math.ceil(t / HOUR_MS) * HOUR_MS;
    if (fh >= th) throw new OpsUsageError("--from must be before --to");
    if ((th - fh) / HOUR_MS > MAX_HOURS) throw new OpsUsageError(`at most ${MAX_HOURS} hours per run; split the range`);
    return { grain, from: new Date(fh), to: new Date(th) };
  }
  const fromDay = from !== undefined ? parseDay("--from", from) : isoDay(now - DAY_MS);
  const toDay = to !== undefined ? parseDay("--to", to) : isoDay(now + DAY_MS);
  if (fromDay >= toDay) throw new OpsUsageError("--from must be before --to");
  if ((Date.parse(toDay) - Date.parse(fromDay)) / DAY_MS > MAX_DAYS) throw new OpsUsageError(`at most ${MAX_DAYS} days per run; split the range`);
  return { grain, fromDay, toDay };
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function parseInstant(flag: string, v: string): number {
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}/.test(v)) throw new OpsUsageError(`${flag} ${JSON.stringify(v)}: expected an ISO 8601 date-time with offset (2026-11-27T10:00:00Z) or a date`);
  return ms;
}

function parseDay(flag: string, v: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})(T.*)?$/.exec(v);
  if (!m || Number.isNaN(Date.parse(`${m[1]}T00:00:00Z`)) || new Date(`${m[1]}T00:00:00Z`).toISOString().slice(0, 10) !== m[1]) {
    throw new OpsUsageError(`${flag} ${JSON.stringify(v)}: expected a calendar date (2026-11-27)`);
  }
  return m[1]!;
}
