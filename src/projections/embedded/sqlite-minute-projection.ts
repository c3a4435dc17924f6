import type Database from "better-sqlite3";
import { idsOfChunks, type IdChunk } from "../../domain/event-id-chunks.ts";
import type { MinuteRow } from "../../domain/minute-row.ts";
import type { PartitionTotalsRow } from "../../domain/partition-totals.ts";
import type { WindowKey } from "../../domain/store-windows.ts";
import type { MinuteProjection } from "../ports.ts";
import type { SqliteWriteQueue } from "./sqlite-write-queue.ts";

const ROW_COLUMNS =
  "store_id AS storeId, minute, currency, sale_count AS saleCount, refund_count AS refundCount, gross_minor AS grossMinor, " +
  "refund_minor AS refundMinor, item_count AS itemCount, first_event_at AS firstEventAt, last_event_at AS lastEventAt, " +
  "partition, offset, revision, provisional";

type RowFromDb = Omit<MinuteRow, "provisional" | "eventIds"> & { provisional: number };

function fromDb(r: RowFromDb, eventIds: string[] = []): MinuteRow {
  return { ...r, provisional: r.provisional === 1, eventIds };
}

const TOTALS_COLUMNS =
  "partition, minute, currency, sale_count AS saleCount, refund_count AS refundCount, gross_minor AS grossMinor, refund_minor AS refundMinor, " +
  "item_count AS itemCount, first_event_at AS firstEventAt, last_event_at AS lastEventAt, provisional, version";

type TotalsFromDb = Omit<PartitionTotalsRow, "provisional"> & { provisional: number };
const totalsFromDb = (r: TotalsFromDb): PartitionTotalsRow => ({ ...r, provisional: r.provisional === 1 });

/**
 * Minute rows and partition totals in projections.sqlite, the embedded stand-in for Cassandra.
 *
 * Event ids of a window live in their own table as appended chunks (comma-joined, keyed by the
 * position of their first id, see event-id-chunks.ts): a row written with `idsFrom` appends one
 * chunk of only its new ids; a row without replaces the window's ids.
 */
export class SqliteMinuteProjection implements MinuteProjection {
  private readonly upsert: Database.Statement;
  private readonly insertId: Database.Statement;
  private readonly deleteIds: Database.Statement;
  private readonly loadOne: Database.Statement;
  private readonly loadIds: Database.Statement;
  private readonly byStore: Database.Statement;
  private readonly byTime: Database.Statement;
  private readonly upsertTotals: Database.Statement;
  private readonly rowsOfPartitionMinute: Database.Statement;
  private readonly totalsOfPartitionMinute: Database.Statement;
  private readonly totalsByTime: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly writes: SqliteWriteQueue,
  ) {
    // A row is only replaced by one that includes at least as much of the log, and at the same offset
    // by one of at least its revision (idempotent, never backwards; Cassandra's write timestamps order alike).
    // last_id is no longer read (the chunks' positions replaced it); it stays null.
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
      WHERE excluded.offset > minute_rows.offset OR (excluded.offset = minute_rows.offset AND excluded.revision >= minute_rows.revision)
        OR excluded.partition != minute_rows.partition`);
    this.insertId = this.db.prepare("INSERT OR REPLACE INTO window_event_ids (store_id, minute, currency, pos, event_ids) VALUES (?, ?, ?, ?, ?)");
    this.deleteIds = this.db.prepare("DELETE FROM window_event_ids WHERE store_id = ? AND minute = ? AND currency = ?");
    this.loadOne = this.db.prepare(`SELECT ${ROW_COLUMNS}, id_count AS idCount FROM minute_rows WHERE store_id = ? AND minute = ? AND currency = ?`);
    this.loadIds = this.db
      .prepare("SELECT pos, event_ids AS ids FROM window_event_ids WHERE store_id = ? AND minute = ? AND currency = ? ORDER BY pos");
    this.byStore = this.db.prepare(`SELECT ${ROW_COLUMNS} FROM minute_rows WHERE store_id = ? AND minute >= ? AND minute < ? ORDER BY minute, currency`);
    this.byTime = this.db.prepare(`SELECT ${ROW_COLUMNS} FROM minute_rows WHERE minute >= ? AND minute < ? ORDER BY minute, currency, store_id`);
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

  async loadRows(storeId: string, keys: readonly WindowKey[]): Promise<MinuteRow[]> {
    const out: MinuteRow[] = [];
    for (const k of keys) {
      const r = this.loadOne.get(storeId, k.minute, k.currency) as (RowFromDb & { idCount?: number }) | undefined;
      if (!r) continue;
      const idCount = r.idCount ?? 0;
      delete r.idCount;
      const ids = idCount > 0 ? idsOfChunks(this.loadIds.all(storeId, k.minute, k.currency) as IdChunk[], idCount, `${storeId} ${k.minute} ${k.currency}`) : [];
      out.push(fromDb(r, ids));
    }
    return out;
  }

  /**
   * One whole-row upsert (skipped when the stored row includes more of the log), then its ids: a chunk
   * of the new ones at `idsFrom`, or, without it, the whole list replacing the stored one.
   */
  private writeRow(r: MinuteRow): void {
    const ids = r.eventIds;
    const from = r.idsFrom ?? 0;
    const idCount = from + ids.length;
    // Named parameters bind the row's columns; its other fields (eventIds, idsFrom) are not bound.
    const { idsFrom: _from, ...cols } = r;
    const applied = this.upsert.run({ ...cols, provisional: r.provisional ? 1 : 0, idCount, lastId: null }).changes > 0;
    if (!applied) return;
    if (from === 0) this.deleteIds.run(r.storeId, r.minute, r.currency);
    if (ids.length) this.insertId.run(r.storeId, r.minute, r.currency, from, ids.join(","));
  }

  writeRows(rows: readonly MinuteRow[]): Promise<void> {
    return this.writes.write(() => {
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
    return this.writes.write(() => {
      for (const r of rows) this.upsertTotals.run({ ...r, provisional: r.provisional ? 1 : 0 });
    });
  }

  async partitionTotals(from: number, to: number): Promise<PartitionTotalsRow[]> {
    return (this.totalsByTime.all(from, to) as TotalsFromDb[]).map(totalsFromDb);
  }

  /** The database is closed by its owner (SqliteProjections). */
  async close(): Promise<void> {}
}
