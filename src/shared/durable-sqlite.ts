import Database from "better-sqlite3";

/**
 * Pages the WAL may hold before a commit copies them back into the database file (SQLite's default is
 * 1,000, ≈ 4 MB). The event-id indexes (the log's ingest ids, raw history's unique ids) are keyed by
 * random UUIDs, so one group commit dirties up to one page per event: at the default nearly every
 * commit was also a checkpoint, and a page rewritten by the next commit was copied back again. At
 * 10,000 (≈ 40 MB of WAL) it is copied back once for several commits (docs/benchmarks.md, session 24).
 */
const WAL_AUTOCHECKPOINT_PAGES = 10_000;

/** Opens a SQLite file of the embedded stand-ins for durable writes: WAL, every commit fsynced. */
export function openDurableSqlite(path: string): Database.Database {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  // Each commit is fsynced: a resolved write survives power loss, not only a crash.
  db.pragma("synchronous = FULL");
  db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  return db;
}
