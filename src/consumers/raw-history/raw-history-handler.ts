import type { LoggedEvent } from "../../domain/store-windows.ts";
import type { DeadLetterSink, LogRecord, PartitionHandler } from "../../event-log/ports.ts";
import type { RawHistoryStore, RawRecord, RawRecordSink } from "../../projections/ports.ts";
import { batchWriterHandler } from "../batch-writer-handler.ts";
import { decodeRecordOnPartition } from "../record-decoder.ts";

export interface RawHistoryOptions {
  /** Partitions of the log: a record on another partition than its store's is left out, as the window group leaves it out. */
  partitions: number;
  /** Where records the store refuses for good go, with the reason. */
  deadLetters: DeadLetterSink;
  /** Counts each dead-lettered record (metrics). */
  onDeadLetter?: () => void;
}

function hasRecordSink(store: RawHistoryStore): store is RawHistoryStore & RawRecordSink {
  return typeof (store as Partial<RawRecordSink>).insertRecords === "function";
}

/**
 * The raw-history consumer (its own consumer group): every readable event into raw history,
 * idempotent on eventId, committed after the insert. Unreadable, unstorable or wrongly keyed
 * records are the window consumer's to dead-letter; here they are skipped (so raw history holds
 * exactly what the totals count). A record the store refuses for a reason
 * of its own is dead-lettered with the store's reason (see batchWriterHandler).
 */
export function rawHistoryHandler(store: RawHistoryStore, opts: RawHistoryOptions): PartitionHandler {
  const common = { name: "raw history", deadLetters: opts.deadLetters, onDeadLetter: opts.onDeadLetter };
  if (hasRecordSink(store)) {
    // A store that keeps the log value as the body: no re-encoding.
    return batchWriterHandler<RawRecord>({
      ...common,
      decode: (r: LogRecord) => {
        const d = decodeRecordOnPartition(r, opts.partitions);
        if (!d.ok) return null;
        const e = d.event;
        return { row: { eventId: e.eventId, storeId: e.storeId, occurredAtMs: e.occurredAtMs, partition: r.partition, offset: r.offset, appendTime: r.appendTime, body: r.value! } };
      },
      write: async (rows) => void (await store.insertRecords(rows)),
    });
  }
  return batchWriterHandler<LoggedEvent>({
    ...common,
    decode: (r: LogRecord) => {
      const d = decodeRecordOnPartition(r, opts.partitions);
      return d.ok ? { row: { partition: r.partition, offset: r.offset, appendTime: r.appendTime, event: d.event } } : null;
    },
    write: async (rows) => void (await store.insertEvents(rows)),
  });
}
