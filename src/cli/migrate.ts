import { parseArgs } from "node:util";
import { loadSettings, SettingsError } from "../config/settings.ts";
import { logger, setLogLevel } from "../observability/logger.ts";
import { migrateAll } from "../runtime/cluster-adapters.ts";

const USAGE = "Usage: npm run migrate [-- --help]\nApplies the Cassandra and PostgreSQL migrations of the real stack (settings: INTRADAY_* variables, see npm start -- --help).\n";

/** `npm run migrate`: applies the Cassandra and PostgreSQL migrations of the real stack. */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { help: { type: "boolean", short: "h" } }, strict: true });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const settings = loadSettings();
  setLogLevel(settings.LOG_LEVEL);
  const t0 = Date.now();
  const applied = await migrateAll(settings);
  // The report is this command's output, not a log.
  process.stdout.write(
    `Cassandra keyspace ${settings.CASSANDRA_KEYSPACE}: ${applied.cassandra.length ? applied.cassandra.join(", ") : "up to date"}\n` +
      `PostgreSQL ${settings.PG_URL.replace(/:[^:@/]+@/, ":***@")}: ${applied.postgres.length ? applied.postgres.join(", ") : "up to date"}\n` +
      `done in ${Date.now() - t0} ms\n`,
  );
}

main().catch((err: unknown) => {
  logger.fatal(err instanceof SettingsError ? err.message : `migration failed: ${(err as Error).message}\nIs the stack up? Try \`npm run services:up\`.`);
  process.exit(1);
});
