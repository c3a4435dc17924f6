import type { LoggedEvent } from "../../domain/store-windows.ts";
import type { DeadLetterSink, LogRecord, PartitionHandler } from "../../event-log/ports.ts";
import type { RawHistory, RawRecord, RawRecordSink } from "../../projections/ports.ts";
import { batchWriterHandler } from "../batch-writer-handler.ts";
import { decodeRecordOnPartition, decodeSummaryOnPartition } from "../record-decoder.ts";

export interface RawHistoryOptions {
  /** Partitions of the log: a record on another partition than its store's is left out, as the window group leaves it out. */
  partitions: number;
  /** Where records raw history refuses for good go, with the reason. */
  deadLetters: DeadLetterSink;
  /** Counts each dead-lettered record (metrics). */
  onDeadLetter?: () => void;
}

function hasRecordSink(history: RawHistory): history is RawHistory & RawRecordSink {
  return typeof (history as Partial<RawRecordSink>).insertRecords === "function";
}

/**
 * The raw-history consumer (its own consumer group): every readable event into raw history,
 * idempotent on eventId, committed after the insert. Unreadable, unstorable or wrongly keyed
 * records are the window consumer's to dead-letter; here they are skipped (so raw history holds
 * exactly what the totals count). A record raw history refuses for a reason
 * of its own is dead-lettered with its reason (see batchWriterHandler).
 */
export function rawHistoryHandler(history: RawHistory, opts: RawHistoryOptions): PartitionHandler {
  const common = { name: "raw history", deadLetters: opts.deadLetters, onDeadLetter: opts.onDeadLetter };
  if (hasRecordSink(history)) {
    // A raw history that keeps the log value as the body: no re-encoding, and no lines to build.
    return batchWriterHandler<RawRecord>({
      ...common,
      decode: (r: LogRecord) => {
        const d = decodeSummaryOnPartition(r, opts.partitions);
        if (!d.ok) return null;
        const e = d.event;
        return { row: { eventId: e.eventId, storeId: e.storeId, occurredAtMs: e.occurredAtMs, partition: r.partition, offset: r.offset, appendTime: r.appendTime, body: r.value! } };
      },
      write: async (rows) => void (await history.insertRecords(rows)),
    });
  }
  return batchWriterHandler<LoggedEvent>({
    ...common,
    decode: (r: LogRecord) => {
      const d = decodeRecordOnPartition(r, opts.partitions);
      return d.ok ? { row: { partition: r.partition, offset: r.offset, appendTime: r.appendTime, event: d.event } } : null;
    },
    write: async (rows) => void (await history.insertEvents(rows)),
  });
}
