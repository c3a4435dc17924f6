import type { OpsContext } from "./ops-context.ts";
import { settledBefore } from "./closed-window.ts";
import { finishRun, markLateFolded, recordMismatches, startRun, type RunOutcome } from "./ops-tables.ts";
import { reproject } from "./reproject.ts";
import type { Mismatch } from "./reconcile-plan.ts";

export interface ReconcileOptions {
  /** Look back this far from the newest settled minute (when `from` is not given). */
  lookbackMs: number;
  from?: number;
  to?: number;
  /** false: record mismatches, change nothing. */
  repair: boolean;
}

export interface ReconcileSummary extends RunOutcome {
  runId: number;
  from: string;
  to: string;
  byTarget: Record<string, number>;
  sample: Mismatch[];
}

/**
 * One reconciliation run over settled minutes: recompute from raw history (late events folded in),
 * compare with Cassandra and minute_totals, repair, and record the run and every mismatch.
 */
export async function runReconcile(ctx: OpsContext, o: ReconcileOptions): Promise<ReconcileSummary> {
  const settled = settledBefore(ctx.now(), ctx.cfg);
  const to = Math.min(o.to ?? settled, settled);
  const from = o.from ?? to - o.lookbackMs;
  const runId = await startRun(ctx, from, Math.max(from, to));
  const base = { runId, from: new Date(from).toISOString(), to: new Date(Math.max(from, to)).toISOString() };
  if (from >= to) {
    const outcome: RunOutcome = { rawEvents: 0, expectedWindows: 0, mismatches: 0, repaired: 0, lateFolded: 0, status: "ok" };
    await finishRun(ctx, runId, outcome);
    ctx.progress(`nothing settled in the window (minutes up to ${new Date(settled).toISOString()} are settled)`);
    return { ...base, ...outcome, byTarget: {}, sample: [] };
  }
  try {
    const r = await reproject(ctx, { from, to, rewriteAll: false, write: o.repair });
    await recordMismatches(ctx, runId, r.mismatches, o.repair);
    const lateFolded = await markLateFolded(ctx, runId, r.lateEventIds);
    const repaired = o.repair ? r.mismatches.filter((m) => m.repair).length : 0;
    const outcome: RunOutcome = {
      rawEvents: r.rawEvents,
      expectedWindows: r.expectedWindows,
      mismatches: r.mismatches.length,
      repaired,
      lateFolded,
      status: r.mismatches.length === 0 ? "ok" : repaired === r.mismatches.length ? "repaired" : "drift",
    };
    await finishRun(ctx, runId, outcome);
    const byTarget: Record<string, number> = {};
    for (const m of r.mismatches) byTarget[`${m.target}:${m.kind}`] = (byTarget[`${m.target}:${m.kind}`] ?? 0) + 1;
    return { ...base, ...outcome, byTarget, sample: r.mismatches.slice(0, 20) };
  } catch (err) {
    await finishRun(ctx, runId, { rawEvents: 0, expectedWindows: 0, mismatches: 0, repaired: 0, lateFolded: 0, status: "failed", error: (err as Error).message }).catch(() => undefined);
    throw err;
  }
}
