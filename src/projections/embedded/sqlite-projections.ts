import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { SaleEvent } from "../../domain/event.ts";
import type { MinuteRow } from "../../domain/minute-row.ts";
import type { LateEvent, LoggedEvent, WindowKey } from "../../domain/store-windows.ts";
import { lateRecordOf, type LateEventRecord, type LateEventStore, type MinuteStore, type RawHistoryStore } from "../ports.ts";

const ROW_COLUMNS =
  "store_id AS storeId, minute, currency, sale_count AS saleCount, refund_count AS refundCount, gross_minor AS grossMinor, " +
  "refund_minor AS refundMinor, item_count AS itemCount, first_event_at AS firstEventAt, last_event_at AS lastEventAt, " +
  "partition, offset, revision, provisional";

type RowFromDb = Omit<MinuteRow, "provisional" | "eventIds"> & { provisional: number; eventIds?: string };

function fromDb(r: RowFromDb): MinuteRow {
  return { ...r, provisional: r.provisional === 1, eventIds: r.eventIds ? r.eventIds.split(",") : [] };
}

/** Embedded stand-ins for Cassandra (minute rows) and PostgreSQL (raw history, late events), in one SQLite file. */
export class SqliteProjections implements MinuteStore, LateEventStore, RawHistoryStore {
  private readonly db: Database.Database;
  private readonly upsert: Database.Statement;
  private readonly loadOne: Database.Statement;
  private readonly byStore: Database.Statement;
  private readonly byTime: Database.Statement;
  private readonly insertLate: Database.Statement;
  private readonly insertRaw: Database.Statement;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(join(dataDir, "projections.sqlite"));
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS minute_rows (
        store_id TEXT NOT NULL, minute INTEGER NOT NULL, currency TEXT NOT NULL,
        sale_count INTEGER NOT NULL, refund_count INTEGER NOT NULL, gross_minor INTEGER NOT NULL, refund_minor INTEGER NOT NULL,
        item_count INTEGER NOT NULL, first_event_at INTEGER, last_event_at INTEGER,
        partition INTEGER NOT NULL, offset INTEGER NOT NULL, revision INTEGER NOT NULL, provisional INTEGER NOT NULL,
        event_ids TEXT NOT NULL,
        PRIMARY KEY (store_id, minute, currency)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS minute_rows_by_minute ON minute_rows (minute);
      CREATE TABLE IF NOT EXISTS late_events (
        partition INTEGER NOT NULL, offset INTEGER NOT NULL, event_id TEXT NOT NULL, store_id TEXT NOT NULL,
        occurred_at TEXT NOT NULL, occurred_at_ms INTEGER NOT NULL, type TEXT NOT NULL, currency TEXT NOT NULL,
        total_minor INTEGER NOT NULL, append_time INTEGER NOT NULL, reason TEXT NOT NULL,
        PRIMARY KEY (partition, offset)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS raw_events (
        event_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, occurred_at_ms INTEGER NOT NULL, partition INTEGER NOT NULL,
        offset INTEGER NOT NULL, append_time INTEGER NOT NULL, body TEXT NOT NULL) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS raw_events_by_time ON raw_events (occurred_at_ms);
    `);
    // A row is only replaced by one that includes at least as much of the log (idempotent, never backwards).
    this.upsert = this.db.prepare(`
      INSERT INTO minute_rows VALUES (@storeId, @minute, @currency, @saleCount, @refundCount, @grossMinor, @refundMinor,
        @itemCount, @firstEventAt, @lastEventAt, @partition, @offset, @revision, @provisional, @eventIds)
      ON CONFLICT (store_id, minute, currency) DO UPDATE SET
        sale_count = excluded.sale_count, refund_count = excluded.refund_count, gross_minor = excluded.gross_minor,
        refund_minor = excluded.refund_minor, item_count = excluded.item_count, first_event_at = excluded.first_event_at,
        last_event_at = excluded.last_event_at, partition = excluded.partition, offset = excluded.offset,
        revision = excluded.revision, provisional = excluded.provisional, event_ids = excluded.event_ids
      WHERE excluded.offset >= minute_rows.offset OR excluded.partition != minute_rows.partition`);
    this.loadOne = this.db.prepare(`SELECT ${ROW_COLUMNS}, event_ids AS eventIds FROM minute_rows WHERE store_id = ? AND minute = ? AND currency = ?`);
    this.byStore = this.db.prepare(`SELECT ${ROW_COLUMNS} FROM minute_rows WHERE store_id = ? AND minute >= ? AND minute < ? ORDER BY minute, currency`);
    this.byTime = this.db.prepare(`SELECT ${ROW_COLUMNS} FROM minute_rows WHERE minute >= ? AND minute < ? ORDER BY minute, currency, store_id`);
    this.insertLate = this.db.prepare(`INSERT OR IGNORE INTO late_events VALUES (@partition, @offset, @eventId, @storeId, @occurredAt,
      @occurredAtMs, @type, @currency, @totalMinor, @appendTime, @reason)`);
    this.insertRaw = this.db.prepare("INSERT OR IGNORE INTO raw_events VALUES (?, ?, ?, ?, ?, ?, ?)");
  }

  async loadRows(storeId: string, keys: readonly WindowKey[]): Promise<MinuteRow[]> {
    const out: MinuteRow[] = [];
    for (const k of keys) {
      const r = this.loadOne.get(storeId, k.minute, k.currency) as RowFromDb | undefined;
      if (r) out.push(fromDb(r));
    }
    return out;
  }

  async writeRows(rows: readonly MinuteRow[]): Promise<void> {
    this.db.transaction(() => {
      for (const r of rows) this.upsert.run({ ...r, provisional: r.provisional ? 1 : 0, eventIds: r.eventIds.join(",") });
    })();
  }

  async storeRows(storeId: string, from: number, to: number): Promise<MinuteRow[]> {
    return (this.byStore.all(storeId, from, to) as RowFromDb[]).map(fromDb);
  }

  async allRows(from: number, to: number): Promise<MinuteRow[]> {
    return (this.byTime.all(from, to) as RowFromDb[]).map(fromDb);
  }

  async recordLate(events: readonly LateEvent[]): Promise<void> {
    this.db.transaction(() => {
      for (const l of events) this.insertLate.run({ ...lateRecordOf(l), occurredAtMs: l.event.occurredAtMs });
    })();
  }

  async listLate(opts: { from: number; to: number; storeId?: string; limit: number }): Promise<LateEventRecord[]> {
    const where = opts.storeId ? "AND store_id = ?" : "";
    const params: (string | number)[] = [opts.from, opts.to];
    if (opts.storeId) params.push(opts.storeId);
    params.push(opts.limit);
    return this.db
      .prepare(
        `SELECT event_id AS eventId, store_id AS storeId, occurred_at AS occurredAt, type, currency, total_minor AS totalMinor,
         partition, offset, append_time AS appendTime, reason FROM late_events
         WHERE occurred_at_ms >= ? AND occurred_at_ms < ? ${where} ORDER BY occurred_at_ms LIMIT ?`,
      )
      .all(...params) as LateEventRecord[];
  }

  async insertEvents(events: readonly LoggedEvent[]): Promise<number> {
    let inserted = 0;
    this.db.transaction(() => {
      for (const l of events) {
        inserted += this.insertRaw.run(l.event.eventId, l.event.storeId, l.event.occurredAtMs, l.partition, l.offset, l.appendTime, JSON.stringify(l.event)).changes;
      }
    })();
    return inserted;
  }

  async eventsBetween(from: number, to: number): Promise<LoggedEvent[]> {
    const rows = this.db
      .prepare("SELECT partition, offset, append_time AS appendTime, body FROM raw_events WHERE occurred_at_ms >= ? AND occurred_at_ms < ? ORDER BY partition, offset")
      .all(from, to) as { partition: number; offset: number; appendTime: number; body: string }[];
    return rows.map((r) => ({ partition: r.partition, offset: r.offset, appendTime: r.appendTime, event: JSON.parse(r.body) as SaleEvent }));
  }

  async count(): Promise<number> {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM raw_events").get() as { n: number }).n;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
