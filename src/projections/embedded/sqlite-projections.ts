import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { decodeLogRecord, encodeForLog, type SaleEvent } from "../../domain/event.ts";
import type { MinuteRow } from "../../domain/minute-row.ts";
import type { PartitionTotalsRow } from "../../domain/partition-totals.ts";
import type { LateEvent, LoggedEvent, WindowKey } from "../../domain/store-windows.ts";
import { lateRecordOf, type LateEventRecord, type LateEvents, type MinuteProjection, type RawHistory, type RawRecord, type RawRecordSink } from "../ports.ts";

const ROW_COLUMNS =
  "store_id AS storeId, minute, currency, sale_count AS saleCount, refund_count AS refundCount, gross_minor AS grossMinor, " +
  "refund_minor AS refundMinor, item_count AS itemCount, first_event_at AS firstEventAt, last_event_at AS lastEventAt, " +
  "partition, offset, revision, provisional";

type RowFromDb = Omit<MinuteRow, "provisional" | "eventIds"> & { provisional: number };

function fromDb(r: RowFromDb, eventIds: string[] = []): MinuteRow {
  return { ...r, provisional: r.provisional === 1, eventIds };
}

/** Layout of projections.sqlite (PRAGMA user_version); 0 is the first layout. */
const SCHEMA_VERSION = 3;

const TOTALS_COLUMNS =
  "partition, minute, currency, sale_count AS saleCount, refund_count AS refundCount, gross_minor AS grossMinor, refund_minor AS refundMinor, " +
  "item_count AS itemCount, first_event_at AS firstEventAt, last_event_at AS lastEventAt, provisional, version";

type TotalsFromDb = Omit<PartitionTotalsRow, "provisional"> & { provisional: number };
const totalsFromDb = (r: TotalsFromDb): PartitionTotalsRow => ({ ...r, provisional: r.provisional === 1 });

interface IdState {
  partition: number;
  offset: number;
  idCount: number;
  lastId: string | null;
}

interface Pending {
  run: () => unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/** The event out of a raw-history body: the log record value (current), or a JSON SaleEvent (tables from before). */
function eventOfBody(body: string): SaleEvent {
  const d = decodeLogRecord(body);
  if (d.ok) return d.event;
  const legacy = JSON.parse(body) as SaleEvent;
  if (typeof legacy.occurredAtMs !== "number") throw new Error(`raw history body is neither a log record nor a stored event: ${d.reason}`);
  return legacy;
}

/**
 * Embedded stand-ins for Cassandra (minute rows) and PostgreSQL (raw history, late events), in one SQLite file.
 *
 * Writes (rows, late events, raw history) are group-committed: every write requested in the same
 * event-loop turn (the store actors of a partition batch write concurrently) runs in one transaction,
 * and every caller is resolved once that transaction is durable. The
 * database runs synchronous=FULL, so a resolved write survives power loss, not only a process crash:
 * consumers commit log offsets only after it resolves, so a committed offset is never ahead of the rows.
 *
 * Event ids of a window live in their own table as appended chunks (comma-joined, keyed by the
 * position of their first id): a window written again with the same ids plus new ones appends one
 * chunk of only the new ones instead of rewriting them all.
 */
export class SqliteProjections implements MinuteProjection, LateEvents, RawHistory, RawRecordSink {
  private readonly db: Database.Database;
  private readonly upsert: Database.Statement;
  private readonly idState: Database.Statement;
  private readonly insertId: Database.Statement;
  private readonly deleteIds: Database.Statement;
  private readonly loadOne: Database.Statement;
  private readonly loadIds: Database.Statement;
  private readonly byStore: Database.Statement;
  private readonly byTime: Database.Statement;
  private readonly insertLate: Database.Statement;
  private readonly insertRaw: Database.Statement;
  private readonly upsertTotals: Database.Statement;
  private readonly rowsOfPartitionMinute: Database.Statement;
  private readonly totalsOfPartitionMinute: Database.Statement;
  private readonly totalsByTime: Database.Statement;
  private queue: Pending[] = [];
  private flushScheduled = false;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(join(dataDir, "projections.sqlite"));
    this.db.pragma("journal_mode = WAL");
    // Each group-committed transaction is fsynced (one per event-loop turn that has writes).
    this.db.pragma("synchronous = FULL");
    this.migrate();
    // A row is only replaced by one that includes at least as much of the log (idempotent, never backwards).
    this.upsert = this.db.prepare(`
      INSERT INTO minute_rows (store_id, minute, currency, sale_count, refund_count, gross_minor, refund_minor, item_count,
        first_event_at, last_event_at, partition, offset, revision, provisional, id_count, last_id)
      VALUES (@storeId, @minute, @currency, @saleCount, @refundCount, @grossMinor, @refundMinor,
        @itemCount, @firstEventAt, @lastEventAt, @partition, @offset, @revision, @provisional, @idCount, @lastId)
      ON CONFLICT (minute, store_id, currency) DO UPDATE SET
        sale_count = excluded.sale_count, refund_count = excluded.refund_count, gross_minor = excluded.gross_minor,
        refund_minor = excluded.refund_minor, item_count = excluded.item_count, first_event_at = excluded.first_event_at,
        last_event_at = excluded.last_event_at, partition = excluded.partition, offset = excluded.offset,
        revision = excluded.revision, provisional = excluded.provisional, id_count = excluded.id_count, last_id = excluded.last_id
      WHERE excluded.offset >= minute_rows.offset OR excluded.partition != minute_rows.partition`);
    this.idState = this.db.prepare(
      "SELECT partition, offset, id_count AS idCount, last_id AS lastId FROM minute_rows WHERE store_id = ? AND minute = ? AND currency = ?",
    );
    this.insertId = this.db.prepare("INSERT OR REPLACE INTO window_event_ids (store_id, minute, currency, pos, event_ids) VALUES (?, ?, ?, ?, ?)");
    this.deleteIds = this.db.prepare("DELETE FROM window_event_ids WHERE store_id = ? AND minute = ? AND currency = ?");
    this.loadOne = this.db.prepare(`SELECT ${ROW_COLUMNS}, id_count AS idCount FROM minute_rows WHERE store_id = ? AND minute = ? AND currency = ?`);
    this.loadIds = this.db
      .prepare("SELECT event_ids FROM window_event_ids WHERE store_id = ? AND minute = ? AND currency = ? ORDER BY pos")
      .pluck();
    this.byStore = this.db.prepare(`SELECT ${ROW_COLUMNS} FROM minute_rows WHERE store_id = ? AND minute >= ? AND minute < ? ORDER BY minute, currency`);
    this.byTime = this.db.prepare(`SELECT ${ROW_COLUMNS} FROM minute_rows WHERE minute >= ? AND minute < ? ORDER BY minute, currency, store_id`);
    this.insertLate = this.db.prepare(`INSERT OR IGNORE INTO late_events VALUES (@partition, @offset, @eventId, @storeId, @occurredAt,
      @occurredAtMs, @type, @currency, @totalMinor, @appendTime, @reason)`);
    this.insertRaw = this.db.prepare(
      "INSERT OR IGNORE INTO raw_history (event_id, store_id, occurred_at_ms, partition, offset, append_time, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    // A partition aggregate is only replaced by one of at least its version (never backwards).
    this.upsertTotals = this.db.prepare(`
      INSERT INTO partition_totals (minute, currency, partition, sale_count, refund_count, gross_minor, refund_minor, item_count,
        first_event_at, last_event_at, provisional, version)
      VALUES (@minute, @currency, @partition, @saleCount, @refundCount, @grossMinor, @refundMinor, @itemCount,
        @firstEventAt, @lastEventAt, @provisional, @version)
      ON CONFLICT (minute, currency, partition) DO UPDATE SET
        sale_count = excluded.sale_count, refund_count = excluded.refund_count, gross_minor = excluded.gross_minor,
        refund_minor = excluded.refund_minor, item_count = excluded.item_count, first_event_at = excluded.first_event_at,
        last_event_at = excluded.last_event_at, provisional = excluded.provisional, version = excluded.version
      WHERE excluded.version >= partition_totals.version`);
    this.rowsOfPartitionMinute = this.db.prepare(`SELECT ${ROW_COLUMNS} FROM minute_rows WHERE minute = ? AND partition = ?`);
    this.totalsOfPartitionMinute = this.db.prepare(`SELECT ${TOTALS_COLUMNS} FROM partition_totals WHERE minute = ? AND partition = ?`);
    this.totalsByTime = this.db.prepare(`SELECT ${TOTALS_COLUMNS} FROM partition_totals WHERE minute >= ? AND minute < ? ORDER BY minute, currency, partition`);
  }

  /**
   * Creates the tables, or brings a data directory of an earlier layout (user_version 0) to this one,
   * once, in one transaction. Minute rows and event-id chunks are keyed minute first: the rows a flush
   * writes (the current minutes of many stores) share B-tree pages instead of dirtying one page per
   * store; updates do not touch the (store, minute) index.
   */
  private migrate(): void {
    const version = this.db.pragma("user_version", { simple: true }) as number;
    if (version >= SCHEMA_VERSION) return;
    if (version < 2) this.migrateToV2();
    // Layout 3: partition totals (all-stores aggregates per log partition), built from the rows already there.
    this.db.transaction(() => {
      this.db.exec(`
        CREATE TABLE IF NOT EXISTS partition_totals (
          minute INTEGER NOT NULL, currency TEXT NOT NULL, partition INTEGER NOT NULL,
          sale_count INTEGER NOT NULL, refund_count INTEGER NOT NULL, gross_minor INTEGER NOT NULL, refund_minor INTEGER NOT NULL,
          item_count INTEGER NOT NULL, first_event_at INTEGER, last_event_at INTEGER, provisional INTEGER NOT NULL, version INTEGER NOT NULL,
          PRIMARY KEY (minute, currency, partition)) WITHOUT ROWID;
        INSERT OR REPLACE INTO partition_totals
          SELECT minute, currency, partition, SUM(sale_count), SUM(refund_count), SUM(gross_minor), SUM(refund_minor), SUM(item_count),
            MIN(first_event_at), MAX(last_event_at), MAX(provisional), 2 * SUM(offset + 1) + 1 - MAX(provisional)
          FROM minute_rows GROUP BY minute, currency, partition;`);
      this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    })();
  }

  /** Layouts 0 and 1 to 2. */
  private migrateToV2(): void {
    const exists = (name: string) => this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
    this.db.transaction(() => {
      const legacyRows = exists("minute_rows");
      const legacyRaw = exists("raw_events");
      if (legacyRows) this.db.exec("DROP INDEX IF EXISTS minute_rows_by_minute; ALTER TABLE minute_rows RENAME TO minute_rows_v0;");
      this.db.exec(`
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
        this.db.exec(`
          INSERT INTO minute_rows SELECT minute, store_id, currency, sale_count, refund_count, gross_minor, refund_minor, item_count,
            first_event_at, last_event_at, partition, offset, revision, provisional,
            CASE WHEN event_ids = '' THEN 0 ELSE length(event_ids) - length(replace(event_ids, ',', '')) + 1 END,
            CASE WHEN event_ids = '' THEN NULL ELSE substr(event_ids, length(rtrim(event_ids, replace(event_ids, ',', ''))) + 1) END
          FROM minute_rows_v0;
          INSERT INTO window_event_ids SELECT minute, store_id, currency, 0, event_ids FROM minute_rows_v0 WHERE event_ids != '';
          DROP TABLE minute_rows_v0;`);
      }
      if (legacyRaw) {
        // raw_events was WITHOUT ROWID keyed by event id; its bodies (JSON SaleEvents) stay readable (eventOfBody).
        this.db.exec(`INSERT OR IGNORE INTO raw_history (event_id, store_id, occurred_at_ms, partition, offset, append_time, body)
          SELECT event_id, store_id, occurred_at_ms, partition, offset, append_time, body FROM raw_events ORDER BY partition, offset;
          DROP TABLE raw_events;`);
      }
      this.db.pragma("user_version = 2");
    })();
  }

  /** Runs `op` in the next group-committed transaction and resolves once it is durable. */
  private enqueue<T>(op: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run: op, resolve: resolve as (v: unknown) => void, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    let results: unknown[];
    try {
      results = this.db.transaction(() => batch.map((op) => op.run()))();
    } catch {
      // Something failed and the whole transaction rolled back: run each op in its own transaction,
      // so that one bad write fails only its caller (rare; the common path has no savepoints).
      for (const op of batch) {
        try {
          op.resolve(this.db.transaction(op.run)());
        } catch (err) {
          op.reject(err);
        }
      }
      return;
    }
    batch.forEach((op, i) => op.resolve(results[i]));
  }

  async loadRows(storeId: string, keys: readonly WindowKey[]): Promise<MinuteRow[]> {
    const out: MinuteRow[] = [];
    for (const k of keys) {
      const r = this.loadOne.get(storeId, k.minute, k.currency) as (RowFromDb & { idCount?: number }) | undefined;
      if (!r) continue;
      const idCount = r.idCount ?? 0;
      delete r.idCount;
      let ids: string[] = [];
      if (idCount > 0) for (const chunk of this.loadIds.all(storeId, k.minute, k.currency) as string[]) ids = ids.length ? ids.concat(chunk.split(",")) : chunk.split(",");
      out.push(fromDb(r, ids));
    }
    return out;
  }

  /**
   * One whole-row upsert. The ids already stored for the window are kept and only the new ones are
   * appended when the new list extends the stored one: same partition, not behind it (so the writer
   * loaded the stored row and its ids first, in stored order, and only added to them), at least as
   * long, with the stored last id at the same position. Any other list replaces the stored ids whole.
   */
  private writeRow(r: MinuteRow): void {
    const ids = r.eventIds;
    const prev = this.idState.get(r.storeId, r.minute, r.currency) as IdState | undefined;
    let from = 0;
    if (prev) {
      if (r.partition === prev.partition && r.offset < prev.offset) return; // the upsert would not apply: nothing changes
      if (r.partition === prev.partition && ids.length >= prev.idCount && (prev.idCount === 0 || ids[prev.idCount - 1] === prev.lastId)) {
        from = prev.idCount;
      } else if (prev.idCount > 0) {
        this.deleteIds.run(r.storeId, r.minute, r.currency);
      }
    }
    this.upsert.run({
      storeId: r.storeId,
      minute: r.minute,
      currency: r.currency,
      saleCount: r.saleCount,
      refundCount: r.refundCount,
      grossMinor: r.grossMinor,
      refundMinor: r.refundMinor,
      itemCount: r.itemCount,
      firstEventAt: r.firstEventAt,
      lastEventAt: r.lastEventAt,
      partition: r.partition,
      offset: r.offset,
      revision: r.revision,
      provisional: r.provisional ? 1 : 0,
      idCount: ids.length,
      lastId: ids.length ? ids[ids.length - 1] : null,
    });
    if (from < ids.length) this.insertId.run(r.storeId, r.minute, r.currency, from, (from === 0 ? ids : ids.slice(from)).join(","));
  }

  writeRows(rows: readonly MinuteRow[]): Promise<void> {
    return this.enqueue(() => {
      for (const r of rows) this.writeRow(r);
    });
  }

  async storeRows(storeId: string, from: number, to: number): Promise<MinuteRow[]> {
    return (this.byStore.all(storeId, from, to) as RowFromDb[]).map((r) => fromDb(r));
  }

  async allRows(from: number, to: number): Promise<MinuteRow[]> {
    return (this.byTime.all(from, to) as RowFromDb[]).map((r) => fromDb(r));
  }

  async loadPartitionMinute(partition: number, minute: number): Promise<{ rows: MinuteRow[]; totals: PartitionTotalsRow[] }> {
    return {
      rows: (this.rowsOfPartitionMinute.all(minute, partition) as RowFromDb[]).map((r) => fromDb(r)),
      totals: (this.totalsOfPartitionMinute.all(minute, partition) as TotalsFromDb[]).map(totalsFromDb),
    };
  }

  writePartitionTotals(rows: readonly PartitionTotalsRow[]): Promise<void> {
    return this.enqueue(() => {
      for (const r of rows) this.upsertTotals.run({ ...r, provisional: r.provisional ? 1 : 0 });
    });
  }

  async partitionTotals(from: number, to: number): Promise<PartitionTotalsRow[]> {
    return (this.totalsByTime.all(from, to) as TotalsFromDb[]).map(totalsFromDb);
  }

  recordLate(events: readonly LateEvent[]): Promise<void> {
    return this.enqueue(() => {
      for (const l of events) this.insertLate.run({ ...lateRecordOf(l), occurredAtMs: l.event.occurredAtMs });
    });
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

  /** Raw history from decoded events: the body is the event as the log carries it (encodeForLog). */
  insertEvents(events: readonly LoggedEvent[]): Promise<number> {
    return this.insertRecords(
      events.map((l) => ({
        eventId: l.event.eventId,
        storeId: l.event.storeId,
        occurredAtMs: l.event.occurredAtMs,
        partition: l.partition,
        offset: l.offset,
        appendTime: l.appendTime,
        body: encodeForLog(l.event),
      })),
    );
  }

  /** Raw history from log records, body as-is: appended in log order, unique on event id (first one wins). */
  insertRecords(records: readonly RawRecord[]): Promise<number> {
    return this.enqueue(() => {
      let inserted = 0;
      for (const r of records) inserted += this.insertRaw.run(r.eventId, r.storeId, r.occurredAtMs, r.partition, r.offset, r.appendTime, r.body).changes;
      return inserted;
    });
  }

  async eventsBetween(from: number, to: number): Promise<LoggedEvent[]> {
    const rows = this.db
      .prepare("SELECT partition, offset, append_time AS appendTime, body FROM raw_history WHERE occurred_at_ms >= ? AND occurred_at_ms < ? ORDER BY partition, offset")
      .all(from, to) as { partition: number; offset: number; appendTime: number; body: string }[];
    return rows.map((r) => ({ partition: r.partition, offset: r.offset, appendTime: r.appendTime, event: eventOfBody(r.body) }));
  }

  async count(): Promise<number> {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM raw_history").get() as { n: number }).n;
  }

  async close(): Promise<void> {
    if (this.queue.length) this.flush();
    this.db.close();
  }
}
