/**
 * Loads store reference data from a CSV into the store directory of the configured mode
 * (PostgreSQL `stores` with INTRADAY_MODE=cluster, the embedded SQLite otherwise).
 *   npm run stores:load -- stores.csv
 * CSV header: store_id,name,region,time_zone (IANA zone, e.g. Europe/Paris). All or nothing.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import pg from "pg";
import { loadSettings } from "../src/config/settings.ts";
import { PgStoreDirectory } from "../src/projections/analytics/pg-store-directory.ts";
import { SqliteStoreDirectory } from "../src/projections/analytics/sqlite-store-directory.ts";
import { parseStoresCsv } from "../src/projections/analytics/store-csv.ts";
import { migratePostgres } from "../src/projections/postgres/pg-migrate.ts";

const file = process.argv[2];
if (!file || file === "--help" || file === "-h") {
  console.error("usage: npm run stores:load -- <stores.csv>   (header: store_id,name,region,time_zone)");
  process.exit(2);
}
let text: string;
try {
  text = readFileSync(resolve(file), "utf8");
} catch (err) {
  console.error(`cannot read ${file}: ${(err as Error).message}`);
  process.exit(2);
}
const { stores, errors } = parseStoresCsv(text);
if (errors.length) {
  console.error(`${file}: nothing loaded, fix these lines first:\n  ${errors.join("\n  ")}`);
  process.exit(1);
}
const settings = loadSettings();
if (settings.MODE === "cluster") {
  const pool = new pg.Pool({ connectionString: settings.PG_URL, max: 1 });
  try {
    await migratePostgres(pool);
    await new PgStoreDirectory(pool).upsert(stores);
  } finally {
    await pool.end();
  }
} else {
  const dir = new SqliteStoreDirectory(resolve(settings.DATA_DIR));
  await dir.upsert(stores);
  await dir.close();
}
console.log(`loaded ${stores.length} stores into the ${settings.MODE === "cluster" ? "PostgreSQL" : "embedded"} store directory`);
