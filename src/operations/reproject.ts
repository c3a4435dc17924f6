import { recomputeKey, recomputeWindows, type ExpectedWindow } from "../domain/recompute.ts";
import type { LoggedEvent } from "../domain/store-windows.ts";
import { minuteOf } from "../domain/time.ts";
import type { OpsContext } from "./ops-context.ts";
import { cassandraWindows, minuteTotalsWindows, unfoldedLateEvents, writeMinuteTotals } from "./ops-tables.ts";
import { planPartitionTotals, planTarget, type Mismatch } from "./reconcile-plan.ts";

/** Lateness that never excludes an event: the truth includes every accepted event. */
const FOLD_EVERYTHING = 1e15;

export interface ReprojectOptions {
  from: number;
  to: number;
  storeId?: string;
  partition?: number;
  /** Replay: write every window of the range; reconcile: only the differing ones. */
  rewriteAll: boolean;
  /** false = report only. */
  write: boolean;
  /** Events to project (replay from the log); default: PostgreSQL raw history of [from, to). */
  events?: readonly LoggedEvent[];
}

export interface ReprojectResult {
  rawEvents: number;
  expectedWindows: number;
  mismatches: Mismatch[];
  written: { cassandra: number; partitionTotals: number; minuteTotals: number };
  /** Late events of the range whose windows now include them (all of them unless a write failed). */
  lateEventIds: string[];
}

/**
 * Recomputes the windows of settled minutes from accepted events (late ones folded in, duplicates
 * dropped by event id), compares them with Cassandra (both minute tables and the all-stores totals)
 * and PostgreSQL minute_totals, and rewrites whole rows at winning versions. Safe while ingest runs:
 * callers only pass settled minutes, which processors no longer write.
 */
export async function reproject(ctx: OpsContext, o: ReprojectOptions): Promise<ReprojectResult> {
  const inScope = (storeId: string, partition: number) => (o.storeId === undefined || storeId === o.storeId) && (o.partition === undefined || partition === o.partition);
  const allEvents = o.events ?? (await ctx.history.eventsBetween(o.from, o.to));
  ctx.progress(`read ${allEvents.length} events of ${new Date(o.from).toISOString()} .. ${new Date(o.to).toISOString()}`);
  const allExpected = recomputeWindows(allEvents, { ...ctx.cfg, allowedLatenessMs: FOLD_EVERYTHING }).windows;
  const expected = allExpected.filter((w) => inScope(w.storeId, w.partition));
  const events = allEvents.filter((e) => inScope(e.event.storeId, e.partition));

  const late = (await unfoldedLateEvents(ctx, o.from, o.to)).filter((l) => o.storeId === undefined || l.storeId === o.storeId);
  const lateByKey = new Map<string, number>();
  for (const l of late) {
    const k = recomputeKey(l.storeId, minuteOf(l.occurredAt), l.currency);
    lateByKey.set(k, (lateByKey.get(k) ?? 0) + 1);
  }

  const stores = new Set(expected.map((w) => w.storeId));
  const cass = (await cassandraWindows(ctx, o.from, o.to, stores)).filter((r) => inScope(r.storeId, r.partition));
  const pgRows = (await minuteTotalsWindows(ctx, o.from, o.to, o.storeId)).filter((r) => inScope(r.storeId, r.partition));
  ctx.progress(`compared ${expected.length} expected windows with ${cass.length} Cassandra and ${pgRows.length} minute_totals rows`);

  const cassPlan = planTarget("cassandra", expected, cass, lateByKey, o.rewriteAll);
  const pgPlan = planTarget("minute_totals", expected, pgRows, lateByKey, o.rewriteAll);
  const partitions = new Set(o.partition !== undefined ? [o.partition] : expected.map((w) => w.partition));
  const totalsScope = (w: Pick<ExpectedWindow, "partition">) => partitions.has(w.partition);
  const storedTotals = (await ctx.minutes.partitionTotals(o.from, o.to)).filter(totalsScope);
  const totalsPlan = planPartitionTotals(allExpected.filter(totalsScope), storedTotals, cassPlan.writes);

  const written = { cassandra: 0, partitionTotals: 0, minuteTotals: 0 };
  if (o.write) {
    if (cassPlan.writes.length) await ctx.minutes.writeRows(cassPlan.writes);
    written.cassandra = cassPlan.writes.length;
    if (totalsPlan.writes.length) await ctx.minutes.writePartitionTotals(totalsPlan.writes);
    written.partitionTotals = totalsPlan.writes.length;
    await writeMinuteTotals(ctx, pgPlan.writes);
    written.minuteTotals = pgPlan.writes.length;
    ctx.progress(`rewrote ${written.cassandra} Cassandra rows, ${written.partitionTotals} all-stores totals, ${written.minuteTotals} minute_totals rows`);
  }
  return {
    rawEvents: events.length,
    expectedWindows: expected.length,
    mismatches: [...cassPlan.mismatches, ...totalsPlan.mismatches, ...pgPlan.mismatches],
    written,
    lateEventIds: o.write ? late.map((l) => l.eventId) : [],
  };
}
