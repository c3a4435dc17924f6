import type { OpsContext } from "./ops-context.ts";
import { settledBefore } from "./closed-window.ts";
import { OpsUsageError } from "./ops-context.ts";
import { readLogRange } from "./log-range.ts";
import { reproject } from "./reproject.ts";

export interface ReplayOptions {
  from: number;
  to: number;
  storeId?: string;
  partition?: number;
  source: "history" | "log";
}

export interface ReplaySummary {
  from: string;
  to: string;
  storeId: string | null;
  partition: number | null;
  source: "history" | "log";
  events: number;
  windows: number;
  differed: number;
  written: { cassandra: number; partitionTotals: number; minuteTotals: number };
}

/**
 * Re-projects settled minutes of a range (optionally one store or one log partition) from raw
 * history or from the event log: every window is rewritten whole at a winning version. Ingest and
 * the processors keep running: they no longer write settled minutes.
 */
export async function runReplay(ctx: OpsContext, o: ReplayOptions): Promise<ReplaySummary> {
  const settled = settledBefore(ctx.now(), ctx.cfg);
  if (o.to > settled) {
    throw new OpsUsageError(
      `--to ${new Date(o.to).toISOString()} reaches minutes the processors may still change; replay up to ${new Date(settled).toISOString()} (minutes settle after grace + idle slack + allowed lateness)`,
    );
  }
  if (o.partition !== undefined && o.partition >= ctx.settings.PARTITIONS) throw new OpsUsageError(`--partition ${o.partition}: the log has partitions 0..${ctx.settings.PARTITIONS - 1}`);
  const events = o.source === "log" ? await readLogRange(ctx, o.from, o.to, o.partition) : undefined;
  const r = await reproject(ctx, { from: o.from, to: o.to, storeId: o.storeId, partition: o.partition, rewriteAll: true, write: true, events });
  return {
    from: new Date(o.from).toISOString(),
    to: new Date(o.to).toISOString(),
    storeId: o.storeId ?? null,
    partition: o.partition ?? null,
    source: o.source,
    events: r.rawEvents,
    windows: r.expectedWindows,
    differed: r.mismatches.filter((m) => m.repair).length,
    written: r.written,
  };
}
