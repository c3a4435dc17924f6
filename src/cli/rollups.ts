import { OpsUsageError } from "../operations/ops-context.ts";
import { runCli } from "../operations/cli-support.ts";
import { rollupRange } from "../operations/rollup-range.ts";
import { runRollups } from "../operations/rollups.ts";

const USAGE = `npm run rollups -- (--hours | --days) [--from T] [--to T]

Recomputes per store and currency, from PostgreSQL raw history, the rows of
  --hours  sales_hourly for UTC hours [from, to)   (ISO date-times; default: previous and current hour)
  --days   sales_daily for days [from, to)         (dates; each store's local day where stores.time_zone
                                                    is known, else UTC; default: yesterday and today)
and upserts them whole: re-running gives the same rows. Needs INTRADAY_MODE=cluster.
Prints progress on stderr and one JSON summary on stdout. Exit: 0 done, 2 usage, 3 failure.`;

await runCli("rollups", USAGE, { hours: { type: "boolean" }, days: { type: "boolean" }, from: { type: "string" }, to: { type: "string" } }, async (v, ctx) => {
  if (Boolean(v.hours) === Boolean(v.days)) throw new OpsUsageError("give exactly one of --hours or --days");
  const range = rollupRange(v.hours ? "hours" : "days", ctx.now(), v.from, v.to);
  const summary = await runRollups(ctx, range);
  ctx.progress(`${summary.rows} ${summary.grain === "hours" ? "hourly" : "daily"} rows for ${summary.stores} stores upserted in ${summary.ms} ms`);
  return { summary, exitCode: 0 };
});
