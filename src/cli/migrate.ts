import { loadSettings, SettingsError } from "../config/settings.ts";
import { migrateAll } from "../runtime/cluster-adapters.ts";

/** `npm run migrate`: applies the Cassandra and PostgreSQL migrations of the real stack. */
async function main(): Promise<void> {
  const settings = loadSettings();
  const t0 = Date.now();
  const applied = await migrateAll(settings);
  console.log(`Cassandra keyspace ${settings.CASSANDRA_KEYSPACE}: ${applied.cassandra.length ? applied.cassandra.join(", ") : "up to date"}`);
  console.log(`PostgreSQL ${settings.PG_URL.replace(/:[^:@/]+@/, ":***@")}: ${applied.postgres.length ? applied.postgres.join(", ") : "up to date"}`);
  console.log(`done in ${Date.now() - t0} ms`);
}

main().catch((err) => {
  console.error(err instanceof SettingsError ? err.message : `migration failed: ${(err as Error).message}\nIs the stack up? Try \`npm run services:up\`.`);
  process.exit(1);
});
