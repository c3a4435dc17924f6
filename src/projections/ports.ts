import type { MinuteRow } from "../domain/minute-row.ts";
import type { PartitionTotalsRow } from "../domain/partition-totals.ts";
import type { LateEvent, LoggedEvent, WindowKey } from "../domain/store-windows.ts";

/** Minute projections: what the store actors write and the API reads (Cassandra, or embedded SQLite). */
export interface MinuteProjection {
  /** Rows of one store's windows, with their event ids, for an actor to resume from. */
  loadRows(storeId: string, keys: readonly WindowKey[]): Promise<MinuteRow[]>;
  /**
   * Whole-row idempotent upserts. A row is visible to loadPartitionMinute no later than to
   * loadRows (a failure or crash part-way may leave it in the first and not the second, never the
   * other way round): a window missing from its partition-minute's rows has no stored row, so a
   * partition actor that has loaded the minute can tell its stores so, and spare them the read.
   */
  writeRows(rows: readonly MinuteRow[]): Promise<void>;
  /** One store's rows with from ≤ minute < to (without event ids). */
  storeRows(storeId: string, from: number, to: number): Promise<MinuteRow[]>;
  /** Every store's rows with from ≤ minute < to (without event ids), read by time, not store by store. */
  allRows(from: number, to: number): Promise<MinuteRow[]>;
  /**
   * Every store row of one log partition and minute (without event ids), and the stored partition
   * totals of that partition and minute: what a partition actor rebuilds its aggregates from.
   */
  loadPartitionMinute(partition: number, minute: number): Promise<{ rows: MinuteRow[]; totals: PartitionTotalsRow[] }>;
  /** Whole-row upserts of partition totals; a row never replaces one of a higher version. */
  writePartitionTotals(rows: readonly PartitionTotalsRow[]): Promise<void>;
  /** Partition totals with from ≤ minute < to (P rows per minute and currency at most). */
  partitionTotals(from: number, to: number): Promise<PartitionTotalsRow[]>;
  close(): Promise<void>;
}

export interface LateEventRecord {
  eventId: string;
  storeId: string;
  occurredAt: string;
  type: string;
  currency: string;
  totalMinor: number;
  partition: number;
  offset: number;
  appendTime: number;
  reason: string;
}

export interface LateEvents {
  recordLate(events: readonly LateEvent[]): Promise<void>;
  listLate(opts: { from: number; to: number; storeId?: string; limit: number }): Promise<LateEventRecord[]>;
}

/** Raw event history (PostgreSQL in the real stack): unique on eventId for all time. */
export interface RawHistory {
  /** Inserts, ignoring event ids already present; returns how many were new. */
  insertEvents(events: readonly LoggedEvent[]): Promise<number>;
  /** Events with from ≤ occurredAt < to, in log order, for reconciliation. */
  eventsBetween(from: number, to: number): Promise<LoggedEvent[]>;
  count(): Promise<number>;
}

/** A readable log record for raw history: the validated event's keys plus the record value as it is on the log. */
export interface RawRecord {
  eventId: string;
  storeId: string;
  occurredAtMs: number;
  partition: number;
  offset: number;
  appendTime: number;
  /** The log record's value, stored as-is (no re-encoding). */
  body: string;
}

/** Optional capability of a raw history (the embedded one): insert records whose body is the log value. */
export interface RawRecordSink {
  /** Inserts, ignoring event ids already present; returns how many were new. */
  insertRecords(records: readonly RawRecord[]): Promise<number>;
}

export function lateRecordOf(l: LateEvent): LateEventRecord {
  return {
    eventId: l.event.eventId,
    storeId: l.event.storeId,
    occurredAt: l.event.occurredAt,
    type: l.event.type,
    currency: l.event.currency,
    totalMinor: l.event.totalMinor,
    partition: l.partition,
    offset: l.offset,
    appendTime: l.appendTime,
    reason: l.reason,
  };
}
