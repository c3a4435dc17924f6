import { decodeLogRecord } from "../domain/event.ts";
import type { LoggedEvent } from "../domain/store-windows.ts";
import type { LogRecord, PartitionHandler } from "../log/ports.ts";
import type { RawHistoryStore } from "../projections/ports.ts";

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

/** Optional capability of a raw-history store (the embedded one): insert records whose body is the log value. */
export interface RawRecordSink {
  /** Inserts, ignoring event ids already present; returns how many were new. */
  insertRecords(records: readonly RawRecord[]): Promise<number>;
}

function hasRecordSink(store: RawHistoryStore): store is RawHistoryStore & RawRecordSink {
  return typeof (store as Partial<RawRecordSink>).insertRecords === "function";
}

/**
 * The raw-history consumer (its own consumer group): every readable event into raw history,
 * idempotent on eventId, committed after the insert. Unreadable records are the window
 * consumer's to dead-letter; here they are skipped.
 */
export function rawHistoryHandler(store: RawHistoryStore): PartitionHandler {
  if (hasRecordSink(store)) return recordSinkHandler(store);
  return {
    async assigned() {},
    async revoked() {
      return new Map();
    },
    async batch(_partition: number, records: LogRecord[]): Promise<number> {
      const events: LoggedEvent[] = [];
      for (const r of records) {
        const d = decodeLogRecord(r.value);
        if (d.ok) events.push({ partition: r.partition, offset: r.offset, appendTime: r.appendTime, event: d.event });
      }
      if (events.length) await store.insertEvents(events);
      return records[records.length - 1]!.offset + 1;
    },
  };
}

/** Same, for a store that keeps the log value as the body: no re-encoding, no intermediate objects. */
function recordSinkHandler(store: RawRecordSink): PartitionHandler {
  return {
    async assigned() {},
    async revoked() {
      return new Map();
    },
    async batch(_partition: number, records: LogRecord[]): Promise<number> {
      const rows: RawRecord[] = [];
      for (const r of records) {
        const d = decodeLogRecord(r.value);
        if (!d.ok) continue;
        const e = d.event;
        rows.push({ eventId: e.eventId, storeId: e.storeId, occurredAtMs: e.occurredAtMs, partition: r.partition, offset: r.offset, appendTime: r.appendTime, body: r.value! });
      }
      if (rows.length) await store.insertRecords(rows);
      return records[records.length - 1]!.offset + 1;
    },
  };
}
