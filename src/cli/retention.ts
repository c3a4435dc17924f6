import { intArg, runCli } from "../operations/cli-support.ts";
import { retentionCutoffs } from "../operations/retention-plan.ts";
import { runRetention } from "../operations/retention.ts";

const USAGE = `npm run retention -- [--raw-days N] [--late-days N] [--ingest-id-days N] [--dry-run]

Deletes, in batches, PostgreSQL raw history (raw_events by occurredAt), late events (by occurredAt,
only those reconciliation has folded into the totals) and ingest event ids (by append time) older
than N whole UTC days. Defaults: INTRADAY_RETENTION_RAW_DAYS, _LATE_DAYS, _INGEST_ID_DAYS.
--dry-run counts what would go. Needs INTRADAY_MODE=cluster.
Prints progress on stderr and one JSON summary on stdout. Exit: 0 done, 2 usage, 3 failure.`;

await runCli(
  "retention",
  USAGE,
  { "raw-days": { type: "string" }, "late-days": { type: "string" }, "ingest-id-days": { type: "string" }, "dry-run": { type: "boolean" } },
  async (v, ctx, s) => {
    const cutoffs = retentionCutoffs(ctx.now(), {
      rawDays: intArg("--raw-days", v["raw-days"], 1, 36_500) ?? s.RETENTION_RAW_DAYS,
      lateDays: intArg("--late-days", v["late-days"], 1, 36_500) ?? s.RETENTION_LATE_DAYS,
      ingestIdDays: intArg("--ingest-id-days", v["ingest-id-days"], 1, 36_500) ?? s.RETENTION_INGEST_ID_DAYS,
    });
    const summary = await runRetention(ctx, cutoffs, Boolean(v["dry-run"]));
    return { summary, exitCode: 0 };
  },
);
