import type { types } from "cassandra-driver";
import type { MinuteRow } from "../domain/minute-row.ts";
import { utcDay } from "../domain/time.ts";
import { upsertMinuteTotals } from "../projections/analytics/minute-totals-upsert.ts";
import { minuteTotalsOf } from "../projections/cassandra/cassandra-minute-projection.ts";
import type { OpsContext } from "./ops-context.ts";
import type { Mismatch, StoredWindow } from "./reconcile-plan.ts";

/** Reads and writes of the operations use-cases that the pipeline's ports do not have. */

const TOTALS = "sale_count, refund_count, gross_minor, refund_minor, item_count, first_event_at, last_event_at";
const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

function storedOf(r: types.Row, storeId: string, partition: number): StoredWindow {
  return {
    storeId,
    minute: (r.get("minute") as Date).getTime(),
    currency: r.get("currency") as string,
    ...minuteTotalsOf(r),
    partition,
    offset: num(r.get("source_offset")),
    revision: num(r.get("revision")),
    provisional: Boolean(r.get("provisional")),
  };
}

async function allPages(ctx: OpsContext, query: string, params: unknown[]): Promise<types.Row[]> {
  const out: types.Row[] = [];
  let pageState: string | undefined;
  do {
    const rs = await ctx.cassandra.execute(query, params, { prepare: true, fetchSize: 5000, ...(pageState ? { pageState } : {}) });
    out.push(...rs.rows);
    pageState = rs.pageState ?? undefined;
  } while (pageState);
  return out;
}

/**
 * Cassandra's copies of the windows in [from, to): minutes_by_day (all stores) and minutes_by_store
 * for every store in `stores` or found there. Both tables are written together; a planted or
 * partial write can leave them different, so both are compared.
 */
export async function cassandraWindows(ctx: OpsContext, from: number, to: number, stores: Iterable<string>): Promise<StoredWindow[]> {
  const byDay = await ctx.minutes.allRows(from, to);
  const out: StoredWindow[] = byDay.map((r) => ({ ...r }));
  const storeIds = new Set(stores);
  for (const r of byDay) storeIds.add(r.storeId);
  const days: string[] = [];
  for (let d = Date.parse(`${utcDay(from)}T00:00:00Z`); d < to; d += 86_400_000) days.push(utcDay(d));
  const ids = [...storeIds];
  for (let i = 0; i < ids.length; i += 32) {
    const chunk = ids.slice(i, i + 32);
    const results = await Promise.all(
      chunk.flatMap((storeId) =>
        days.map((day) =>
          allPages(
            ctx,
            `SELECT minute, currency, ${TOTALS}, source_partition, source_offset, revision, provisional FROM minutes_by_store WHERE store_id = ? AND day = ? AND minute >= ? AND minute < ?`,
            [storeId, day, new Date(from), new Date(to)],
          ).then((rows) => rows.map((r) => storedOf(r, storeId, num(r.get("source_partition"))))),
        ),
      ),
    );
    out.push(...results.flat());
  }
  return out;
}

/** PostgreSQL minute_totals (the Superset projection) rows in [from, to), optionally one store. */
export async function minuteTotalsWindows(ctx: OpsContext, from: number, to: number, storeId?: string): Promise<StoredWindow[]> {
  const r = await ctx.pool.query(
    `SELECT store_id, minute, currency, sale_count, refund_count, gross_minor, refund_minor, item_count, provisional, source_partition, source_offset, revision
     FROM minute_totals WHERE minute >= $1 AND minute < $2 AND ($3::text IS NULL OR store_id = $3)`,
    [new Date(from), new Date(to), storeId ?? null],
  );
  return r.rows.map((row) => ({
    storeId: row.store_id,
    minute: (row.minute as Date).getTime(),
    currency: String(row.currency).trim(),
    saleCount: Number(row.sale_count),
    refundCount: Number(row.refund_count),
    grossMinor: Number(row.gross_minor),
    refundMinor: Number(row.refund_minor),
    itemCount: Number(row.item_count),
    firstEventAt: null,
    lastEventAt: null,
    partition: row.source_partition,
    offset: Number(row.source_offset),
    revision: row.revision,
    provisional: row.provisional,
  }));
}

/** Whole-row rewrite of minute_totals rows (operations' rows carry a winning revision, see reconcile-plan.ts). */
export async function writeMinuteTotals(ctx: OpsContext, rows: readonly MinuteRow[]): Promise<void> {
  await upsertMinuteTotals(ctx.pool, rows, false);
}

/** Late events (beyond the allowed lateness) with occurredAt in [from, to) not yet folded into the totals. */
export async function unfoldedLateEvents(ctx: OpsContext, from: number, to: number): Promise<{ eventId: string; storeId: string; occurredAt: number; currency: string }[]> {
  const r = await ctx.pool.query(
    `SELECT event_id, store_id, occurred_at, currency FROM late_events WHERE occurred_at >= $1 AND occurred_at < $2 AND folded_run_id IS NULL`,
    [new Date(from), new Date(to)],
  );
  return r.rows.map((row) => ({ eventId: row.event_id, storeId: row.store_id, occurredAt: (row.occurred_at as Date).getTime(), currency: String(row.currency).trim() }));
}

export async function markLateFolded(ctx: OpsContext, runId: number, eventIds: readonly string[]): Promise<number> {
  if (!eventIds.length) return 0;
  const r = await ctx.pool.query("UPDATE late_events SET folded_run_id = $1 WHERE event_id = ANY($2::uuid[]) AND folded_run_id IS NULL", [runId, eventIds]);
  return r.rowCount ?? 0;
}

export async function startRun(ctx: OpsContext, from: number, to: number): Promise<number> {
  const r = await ctx.pool.query<{ run_id: string }>("INSERT INTO reconciliation_runs (window_from, window_to) VALUES ($1, $2) RETURNING run_id", [new Date(from), new Date(to)]);
  return Number(r.rows[0]!.run_id);
}

export interface RunOutcome {
  rawEvents: number;
  expectedWindows: number;
  mismatches: number;
  repaired: number;
  lateFolded: number;
  status: "ok" | "repaired" | "drift" | "failed";
  error?: string;
}

export async function finishRun(ctx: OpsContext, runId: number, o: RunOutcome): Promise<void> {
  await ctx.pool.query(
    `UPDATE reconciliation_runs SET finished_at = now(), raw_events = $2, expected_windows = $3, mismatches = $4, repaired = $5, late_folded = $6, status = $7, error = $8 WHERE run_id = $1`,
    [runId, o.rawEvents, o.expectedWindows, o.mismatches, o.repaired, o.lateFolded, o.status, o.error ?? null],
  );
}

export async function recordMismatches(ctx: OpsContext, runId: number, mismatches: readonly Mismatch[], repaired: boolean): Promise<void> {
  for (let i = 0; i < mismatches.length; i += 1000) {
    const m = mismatches.slice(i, i + 1000);
    await ctx.pool.query(
      `INSERT INTO reconciliation_mismatches (run_id, target, store_id, minute, currency, kind, expected, actual, late_events, repaired)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::timestamptz[], $5::char(3)[], $6::text[], $7::jsonb[], $8::jsonb[], $9::int[], $10::boolean[])
       ON CONFLICT DO NOTHING`,
      [runId, m.map((x) => x.target), m.map((x) => x.storeId), m.map((x) => new Date(x.minute).toISOString()), m.map((x) => x.currency), m.map((x) => x.kind),
        m.map((x) => (x.expected ? JSON.stringify(x.expected) : null)), m.map((x) => (x.actual ? JSON.stringify(x.actual) : null)), m.map((x) => x.lateEvents),
        m.map((x) => repaired && x.repair)],
    );
  }
}
