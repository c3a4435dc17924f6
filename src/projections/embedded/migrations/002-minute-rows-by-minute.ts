import type Database from "better-sqlite3";

/**
 * Layouts 0 and 1 to 2. Minute rows and event-id chunks are keyed minute first: the rows a flush
 * writes (the current minutes of many stores) share B-tree pages instead of dirtying one page per
 * store; updates do not touch the (store, minute) index. Event ids move to their own table as
 * appended chunks; raw history keeps a sequence in log order.
 */
export function migrateToV2(db: Database.Database): void {
  const exists = (name: string) => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
  const legacyRows = exists("minute_rows");
  const legacyRaw = exists("raw_events");
  if (legacyRows) db.exec("DROP INDEX IF EXISTS minute_rows_by_minute; ALTER TABLE minute_rows RENAME TO minute_rows_v0;");
  db.exec(`
    CREATE TABLE minute_rows (
      minute INTEGER NOT NULL, store_id TEXT NOT NULL, currency TEXT NOT NULL,
      sale_count INTEGER NOT NULL, refund_count INTEGER NOT NULL, gross_minor INTEGER NOT NULL, refund_minor INTEGER NOT NULL,
      item_count INTEGER NOT NULL, first_event_at INTEGER, last_event_at INTEGER,
      partition INTEGER NOT NULL, offset INTEGER NOT NULL, revision INTEGER NOT NULL, provisional INTEGER NOT NULL,
      id_count INTEGER NOT NULL, last_id TEXT,
      PRIMARY KEY (minute, store_id, currency)) WITHOUT ROWID;
    CREATE INDEX minute_rows_by_store ON minute_rows (store_id, minute);
    CREATE TABLE window_event_ids (
      minute INTEGER NOT NULL, store_id TEXT NOT NULL, currency TEXT NOT NULL, pos INTEGER NOT NULL, event_ids TEXT NOT NULL,
      PRIMARY KEY (minute, store_id, currency, pos)) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS late_events (
      partition INTEGER NOT NULL, offset INTEGER NOT NULL, event_id TEXT NOT NULL, store_id TEXT NOT NULL,
      occurred_at TEXT NOT NULL, occurred_at_ms INTEGER NOT NULL, type TEXT NOT NULL, currency TEXT NOT NULL,
      total_minor INTEGER NOT NULL, append_time INTEGER NOT NULL, reason TEXT NOT NULL,
      PRIMARY KEY (partition, offset)) WITHOUT ROWID;
    CREATE TABLE raw_history (
      seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, store_id TEXT NOT NULL, occurred_at_ms INTEGER NOT NULL,
      partition INTEGER NOT NULL, offset INTEGER NOT NULL, append_time INTEGER NOT NULL, body TEXT NOT NULL);
    CREATE INDEX raw_history_by_time ON raw_history (occurred_at_ms);
  `);
  if (legacyRows) {
    // Event ids were a comma-joined list in minute_rows.event_ids: they become the window's first chunk.
    db.exec(`
      INSERT INTO minute_rows SELECT minute, store_id, currency, sale_count, refund_count, gross_minor, refund_minor, item_count,
        first_event_at, last_event_at, partition, offset, revision, provisional,
        CASE WHEN event_ids = '' THEN 0 ELSE length(event_ids) - length(replace(event_ids, ',', '')) + 1 END,
        CASE WHEN event_ids = '' THEN NULL ELSE substr(event_ids, length(rtrim(event_ids, replace(event_ids, ',', ''))) + 1) END
      FROM minute_rows_v0;
      INSERT INTO window_event_ids SELECT minute, store_id, currency, 0, event_ids FROM minute_rows_v0 WHERE event_ids != '';
      DROP TABLE minute_rows_v0;`);
  }
  if (legacyRaw) {
    // raw_events was WITHOUT ROWID keyed by event id; its bodies (JSON SaleEvents) stay readable (see SqliteRawHistory).
    db.exec(`INSERT OR IGNORE INTO raw_history (event_id, store_id, occurred_at_ms, partition, offset, append_time, body)
      SELECT event_id, store_id, occurred_at_ms, partition, offset, append_time, body FROM raw_events ORDER BY partition, offset;
      DROP TABLE raw_events;`);
  }
}
