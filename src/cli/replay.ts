import { intArg, isoArg, runCli } from "../operations/cli-support.ts";
import { OpsUsageError } from "../operations/ops-context.ts";
import { runReplay } from "../operations/replay.ts";

const USAGE = `npm run replay -- --from ISO --to ISO [--store S] [--partition P] [--source history|log]

Re-projects the settled minutes of [from, to) (optionally one store or one log partition): every
window is recomputed from PostgreSQL raw history (default) or from the event log (Kafka, read with
a throw-away consumer group) and written whole to Cassandra and minute_totals at a version that
wins over the stored row. Ingest and the processors keep running. Needs INTRADAY_MODE=cluster.
Prints progress on stderr and one JSON summary on stdout. Exit: 0 done, 2 usage, 3 failure.`;

await runCli(
  "replay",
  USAGE,
  { from: { type: "string" }, to: { type: "string" }, store: { type: "string" }, partition: { type: "string" }, source: { type: "string", default: "history" } },
  async (v, ctx) => {
    const from = isoArg("--from", v.from);
    const to = isoArg("--to", v.to);
    if (from === undefined || to === undefined) throw new OpsUsageError("--from and --to are required");
    if (from >= to) throw new OpsUsageError("--from must be before --to");
    if (to - from > 31 * 86_400_000) throw new OpsUsageError("at most 31 days per replay; split the range");
    if (v.store !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(v.store)) throw new OpsUsageError(`--store ${JSON.stringify(v.store)}: expected 1-64 of [A-Za-z0-9_-]`);
    if (v.source !== "history" && v.source !== "log") throw new OpsUsageError(`--source ${JSON.stringify(v.source)}: expected history or log`);
    const partition = intArg("--partition", v.partition, 0, 1023);
    const summary = await runReplay(ctx, { from, to, storeId: v.store, partition, source: v.source });
    ctx.progress(`${summary.events} events -> ${summary.windows} windows rewritten (${summary.differed} had differed)`);
    return { summary, exitCode: 0 };
  },
);
