import type { Client } from "cassandra-driver";

/** The tables holding minute rows and their all-stores totals: they expire together or not at all. */
export const MINUTE_TABLES = ["minutes_by_store", "minutes_by_day", "minutes_by_partition"] as const;

/**
 * Sets `default_time_to_live` of the minute tables to `days` (0 = rows never expire) where it
 * differs, so the setting is the truth at every migration. It applies to rows written from then on
 * (every write is a whole row, so a rewritten row takes it too); rows already stored keep theirs.
 * Returns what changed, for the migration report.
 */
export async function applyMinutesTtl(client: Client, keyspace: string, days: number): Promise<string[]> {
  const seconds = days * 86_400;
  const r = await client.execute("SELECT table_name, default_time_to_live FROM system_schema.tables WHERE keyspace_name = ?", [keyspace], { prepare: true });
  const current = new Map(r.rows.map((row) => [row.get("table_name") as string, row.get("default_time_to_live") as number]));
  const changed: string[] = [];
  for (const table of MINUTE_TABLES) {
    if (!current.has(table)) throw new Error(`Cassandra table ${keyspace}.${table} is missing: run the migrations first`);
    if (current.get(table) === seconds) continue;
    await client.execute(`ALTER TABLE ${keyspace}.${table} WITH default_time_to_live = ${seconds}`);
    changed.push(`${table} default_time_to_live=${seconds}s`);
  }
  return changed;
}
