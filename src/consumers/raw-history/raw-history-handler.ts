import type { LoggedEvent } from "../../domain/store-windows.ts";
import type { DeadLetterSink, LogRecord, PartitionHandler } from "../../log/ports.ts";
import type { RawHistoryStore, RawRecord, RawRecordSink } from "../../projections/ports.ts";
import { failureReason } from "../failure-kind.ts";
import { writeIsolatingFailures } from "../isolate-failures.ts";
import { decodeConsumedRecord } from "../record-decoder.ts";

export interface RawHistoryOptions {
  /** Where records the store refuses for good go, with the reason. */
  deadLetters: DeadLetterSink;
  /** Counts each dead-lettered record (metrics). */
  onDeadLetter?: () => void;
}

interface Item<W> {
  record: LogRecord;
  row: W;
}

function hasRecordSink(store: RawHistoryStore): store is RawHistoryStore & RawRecordSink {
  return typeof (store as Partial<RawRecordSink>).insertRecords === "function";
}

/**
 * The raw-history consumer (its own consumer group): every readable event into raw history,
 * idempotent on eventId, committed after the insert. Unreadable or unstorable records are the
 * window consumer's to dead-letter; here they are skipped. A record the store refuses for a reason
 * of its own (a deterministic error) is isolated by splitting the batch, dead-lettered with the
 * store's reason, and the partition moves on; a transient failure fails the batch, which the
 * consumer retries with backoff.
 */
export function rawHistoryHandler(store: RawHistoryStore, opts: RawHistoryOptions): PartitionHandler {
  const toItems = hasRecordSink(store) ? recordRows : eventRows;
  const write = hasRecordSink(store)
    ? async (items: readonly Item<RawRecord | LoggedEvent>[]) => void (await store.insertRecords(items.map((i) => i.row as RawRecord)))
    : async (items: readonly Item<RawRecord | LoggedEvent>[]) => void (await store.insertEvents(items.map((i) => i.row as LoggedEvent)));
  return {
    async assigned() {},
    async revoked() {
      return new Map();
    },
    async batch(_partition: number, records: LogRecord[]): Promise<number> {
      const refused = await writeIsolatingFailures<Item<RawRecord | LoggedEvent>>(toItems(records), write);
      for (const { item, error } of refused) {
        await opts.deadLetters.deadLetter(item.record, `raw history refused the record: ${failureReason(error)}`);
        opts.onDeadLetter?.();
      }
      return records[records.length - 1]!.offset + 1;
    },
  };
}

function eventRows(records: readonly LogRecord[]): Item<LoggedEvent>[] {
  const items: Item<LoggedEvent>[] = [];
  for (const r of records) {
    const d = decodeConsumedRecord(r.value);
    if (d.ok) items.push({ record: r, row: { partition: r.partition, offset: r.offset, appendTime: r.appendTime, event: d.event } });
  }
  return items;
}

/** For a store that keeps the log value as the body: no re-encoding. */
function recordRows(records: readonly LogRecord[]): Item<RawRecord>[] {
  const items: Item<RawRecord>[] = [];
  for (const r of records) {
    const d = decodeConsumedRecord(r.value);
    if (!d.ok) continue;
    const e = d.event;
    items.push({ record: r, row: { eventId: e.eventId, storeId: e.storeId, occurredAtMs: e.occurredAtMs, partition: r.partition, offset: r.offset, appendTime: r.appendTime, body: r.value! } });
  }
  return items;
}
