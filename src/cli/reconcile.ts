import { resolve } from "node:path";
import pg from "pg";
import { loadSettings, SettingsError, windowingOf } from "../config/settings.ts";
import { CassandraMinuteStore, createCassandraClient } from "../projections/cassandra/cassandra-minute-store.ts";
import { SqliteProjections } from "../projections/embedded/sqlite-projections.ts";
import { PgStore } from "../projections/postgres/pg-store.ts";
import type { MinuteStore, RawHistoryStore } from "../projections/ports.ts";
import { reconcile } from "../reconcile/reconcile.ts";
import { cassandraSettings } from "../runtime/cluster-adapters.ts";

const USAGE = `npm run reconcile -- [--from ISO] [--to ISO] [--json]

Compares the served minute rows with a recomputation from raw history over [from, to)
(default: the last hour). Exit code 0 when they agree, 1 when any window differs.
Uses the same INTRADAY_* settings as the server (embedded data dir, or INTRADAY_MODE=cluster).`;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<number> {
  if (process.argv.includes("--help")) {
    console.log(USAGE);
    return 0;
  }
  const settings = loadSettings();
  const to = arg("to") ? Date.parse(arg("to")!) : Date.now();
  const from = arg("from") ? Date.parse(arg("from")!) : to - 3_600_000;
  if (Number.isNaN(from) || Number.isNaN(to) || from >= to) throw new Error("--from and --to must be ISO date-times with from < to");
  let minutes: MinuteStore;
  let history: RawHistoryStore;
  let close: () => Promise<void>;
  if (settings.MODE === "cluster") {
    const cass = createCassandraClient(cassandraSettings(settings), settings.CASSANDRA_KEYSPACE);
    const pool = new pg.Pool({ connectionString: settings.PG_URL, max: 2 });
    minutes = new CassandraMinuteStore(cass, settings.PARTITIONS);
    history = new PgStore(pool);
    close = async () => {
      await cass.shutdown();
      await pool.end();
    };
  } else {
    const p = new SqliteProjections(resolve(settings.DATA_DIR));
    minutes = p;
    history = p;
    close = () => p.close();
  }
  try {
    const report = await reconcile(minutes, history, from, to, windowingOf(settings));
    if (process.argv.includes("--json")) console.log(JSON.stringify(report, null, 2));
    else {
      console.log(`reconcile ${report.from} .. ${report.to}: ${report.rawEvents} raw events, ${report.expectedWindows} expected windows, ${report.storedWindows} stored, ${report.late} late`);
      for (const d of report.diffs.slice(0, 50)) console.log(`  DIFF ${d.storeId} ${d.minute} ${d.currency} ${d.field}: expected ${d.expected} got ${d.actual}`);
      console.log(report.diffs.length ? `${report.diffs.length} difference(s)` : "no differences");
    }
    return report.diffs.length ? 1 : 0;
  } finally {
    await close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof SettingsError ? err.message : `reconcile failed: ${(err as Error).message}`);
    process.exit(2);
  },
);
