import type { OpsContext } from "./ops-context.ts";
import type { RetentionCutoffs } from "./retention-plan.ts";

export interface RetentionSummary {
  cutoffs: { raw: string; late: string; ingestIds: string };
  deleted: { rawEvents: number; lateEvents: number; ingestEventIds: number };
  dryRun: boolean;
  ms: number;
}

const BATCH = 10_000;

/**
 * Deletes raw history, late events and ingest ids older than the cut-offs, in batches (short
 * transactions, no long locks while ingest writes). Late events not yet folded into the totals by
 * reconciliation are kept whatever their age, so nothing accepted leaves the totals. Minute rows,
 * rollups and reconciliation records are not pruned (see docs/airflow.md on Cassandra TTLs).
 */
export async function runRetention(ctx: OpsContext, c: RetentionCutoffs, dryRun: boolean): Promise<RetentionSummary> {
  const t0 = Date.now();
  const targets = [
    { key: "rawEvents", table: "raw_events", where: "occurred_at < $1", cutoff: c.raw, pk: "event_id" },
    { key: "lateEvents", table: "late_events", where: "occurred_at < $1 AND folded_run_id IS NOT NULL", cutoff: c.late, pk: "source_partition, source_offset, event_id" },
    { key: "ingestEventIds", table: "ingest_event_ids", where: "appended_at < $1", cutoff: c.ingestIds, pk: "event_id" },
  ] as const;
  const deleted = { rawEvents: 0, lateEvents: 0, ingestEventIds: 0 };
  for (const t of targets) {
    if (dryRun) {
      const r = await ctx.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${t.table} WHERE ${t.where}`, [t.cutoff]);
      deleted[t.key] = Number(r.rows[0]!.n);
      ctx.progress(`${t.table}: ${deleted[t.key]} rows older than ${t.cutoff.toISOString()} (dry run)`);
      continue;
    }
    for (;;) {
      const r = await ctx.pool.query(`DELETE FROM ${t.table} WHERE (${t.pk}) IN (SELECT ${t.pk} FROM ${t.table} WHERE ${t.where} LIMIT ${BATCH})`, [t.cutoff]);
      const n = r.rowCount ?? 0;
      deleted[t.key] += n;
      if (n < BATCH) break;
      ctx.progress(`${t.table}: ${deleted[t.key]} deleted so far`);
    }
    ctx.progress(`${t.table}: ${deleted[t.key]} rows older than ${t.cutoff.toISOString()} deleted`);
  }
  return { cutoffs: { raw: c.raw.toISOString(), late: c.late.toISOString(), ingestIds: c.ingestIds.toISOString() }, deleted, dryRun, ms: Date.now() - t0 };
}
