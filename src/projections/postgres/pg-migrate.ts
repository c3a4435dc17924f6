import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Pool } from "pg";

const DIR = fileURLToPath(new URL("./migrations/", import.meta.url));

/** Applies the numbered SQL migrations not yet applied, each in its own transaction, under an advisory lock. */
export async function migratePostgres(pool: Pool): Promise<string[]> {
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query("SELECT pg_advisory_lock(724311)");
    await client.query("CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
    const done = new Set((await client.query<{ version: number }>("SELECT version FROM schema_migrations")).rows.map((r) => r.version));
    for (const file of readdirSync(DIR).filter((f) => /^\d+_.+\.sql$/.test(f)).sort()) {
      const version = Number(file.split("_")[0]);
      if (done.has(version)) continue;
      await client.query("BEGIN");
      try {
        await client.query(readFileSync(DIR + file, "utf8"));
        await client.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [version, file]);
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK");
        throw new Error(`migration ${file} failed: ${(err as Error).message}`);
      }
      applied.push(file);
    }
  } finally {
    await client.query("SELECT pg_advisory_unlock(724311)").catch(() => undefined);
    client.release();
  }
  return applied;
}
