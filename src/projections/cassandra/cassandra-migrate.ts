import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Client } from "cassandra-driver";
import { backfillPartitionTotals } from "./cassandra-minute-projection.ts";

/** Data steps that run after a migration's statements (before it is recorded as applied). */
const AFTER: Record<number, (client: Client, keyspace: string) => Promise<unknown>> = {
  2: backfillPartitionTotals,
};

const DIR = fileURLToPath(new URL("./migrations/", import.meta.url));

export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

export function loadMigrations(dir = DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d+_.+\.cql$/.test(f))
    .sort()
    .map((f) => ({
      version: Number(f.split("_")[0]),
      name: f,
      statements: readFileSync(dir + f, "utf8")
        .split("\n")
        .filter((l) => !l.trim().startsWith("--"))
        .join("\n")
        .split(";")
        .map((s) => s.trim())
        .filter(Boolean),
    }));
}

/** Creates the keyspace and applies the versioned CQL migrations not yet applied. Returns their names. */
export async function migrateCassandra(client: Client, keyspace: string, replication = "{'class': 'SimpleStrategy', 'replication_factor': 1}"): Promise<string[]> {
  await client.execute(`CREATE KEYSPACE IF NOT EXISTS ${keyspace} WITH replication = ${replication}`);
  await client.execute(`CREATE TABLE IF NOT EXISTS ${keyspace}.schema_migrations (version int PRIMARY KEY, name text, applied_at timestamp)`);
  const done = new Set((await client.execute(`SELECT version FROM ${keyspace}.schema_migrations`)).rows.map((r) => r.get("version") as number));
  const applied: string[] = [];
  for (const m of loadMigrations()) {
    if (done.has(m.version)) continue;
    for (const stmt of m.statements) await client.execute(stmt.replace(/^(CREATE TABLE IF NOT EXISTS|ALTER TABLE) (\w+)/i, `$1 ${keyspace}.$2`));
    await AFTER[m.version]?.(client, keyspace);
    await client.execute(`INSERT INTO ${keyspace}.schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, [m.version, m.name, new Date()], { prepare: true });
    applied.push(m.name);
  }
  return applied;
}
