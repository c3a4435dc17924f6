import { intArg, isoArg, runCli } from "../operations/cli-support.ts";
import { runReconcile } from "../operations/reconcile.ts";

const USAGE = `npm run reconcile -- [--from ISO] [--to ISO] [--lookback-minutes N] [--no-repair]

Recomputes settled minutes (end + grace + idle slack + allowed lateness in the past) from
PostgreSQL raw history, late events folded in; compares them with Cassandra (minutes_by_store,
minutes_by_day, minutes_by_partition) and PostgreSQL minute_totals; rewrites differing rows whole
at a winning version; records the run in reconciliation_runs and every mismatch in
reconciliation_mismatches. Default window: INTRADAY_RECONCILE_LOOKBACK_MS back from the newest
settled minute. Needs INTRADAY_MODE=cluster.

Prints progress on stderr and one JSON summary on stdout.
Exit: 0 no mismatch or all repaired, 1 mismatches left (unexpected rows, or --no-repair), 2 usage, 3 failure.`;

await runCli(
  "reconcile",
  USAGE,
  { from: { type: "string" }, to: { type: "string" }, "lookback-minutes": { type: "string" }, "no-repair": { type: "boolean" } },
  async (v, ctx, settings) => {
    const from = isoArg("--from", v.from);
    const to = isoArg("--to", v.to);
    const lookback = intArg("--lookback-minutes", v["lookback-minutes"], 1, 60 * 24 * 31);
    const summary = await runReconcile(ctx, { from, to, lookbackMs: lookback !== undefined ? lookback * 60_000 : settings.RECONCILE_LOOKBACK_MS, repair: !v["no-repair"] });
    ctx.progress(`run ${summary.runId}: ${summary.rawEvents} events, ${summary.expectedWindows} windows, ${summary.mismatches} mismatches, ${summary.repaired} repaired, ${summary.lateFolded} late events folded -> ${summary.status}`);
    return { summary, exitCode: summary.status === "ok" || summary.status === "repaired" ? 0 : 1 };
  },
);
