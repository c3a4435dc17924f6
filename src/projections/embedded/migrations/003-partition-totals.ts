import type Database from "better-sqlite3";

/** Layout 3: partition totals (all-stores aggregates per log partition), built from the rows already there. */
export function migrateToV3(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS partition_totals (
      minute INTEGER NOT NULL, currency TEXT NOT NULL, partition INTEGER NOT NULL,
      sale_count INTEGER NOT NULL, refund_count INTEGER NOT NULL, gross_minor INTEGER NOT NULL, refund_minor INTEGER NOT NULL,
      item_count INTEGER NOT NULL, first_event_at INTEGER, last_event_at INTEGER, provisional INTEGER NOT NULL, version INTEGER NOT NULL,
      PRIMARY KEY (minute, currency, partition)) WITHOUT ROWID;
    INSERT OR REPLACE INTO partition_totals
      SELECT minute, currency, partition, SUM(sale_count), SUM(refund_count), SUM(gross_minor), SUM(refund_minor), SUM(item_count),
        MIN(first_event_at), MAX(last_event_at), MAX(provisional), 2 * SUM(offset + 1) + 1 - MAX(provisional)
      FROM minute_rows GROUP BY minute, currency, partition;`);
}
