import { type EventSummary, type SaleEvent } from "../domain/event.ts";
import { decodeLogRecord, decodeLogRecordSummary, type RecordDecodeResult } from "../domain/log-record.ts";
import { partitionFor } from "../event-log/partitioner.ts";
import type { LogRecord } from "../event-log/ports.ts";

// The Event v1 contract (src/domain/event.ts) already admits only what every store can hold
// (characters, instants, amounts): a record from another producer that breaks it is refused by
// either decode below, with the same reason.

/** How every consumer reads a record: event v1 that every store can hold, or the reason it is not. */
export function decodeConsumedRecord(value: string | null): RecordDecodeResult {
  return decodeLogRecord(value);
}

/** decodeConsumedRecord for the window path, which reads no lines (the same verdict on every record). */
export function decodeConsumedSummary(value: string | null): RecordDecodeResult<EventSummary> {
  return decodeLogRecordSummary(value);
}

/**
 * `decodeConsumedRecord` plus the keying rule: a record on another partition than its store's is
 * refused (the window group dead-letters it), so every group leaves out the same records.
 */
export function decodeRecordOnPartition(record: LogRecord, partitions: number): RecordDecodeResult<SaleEvent> {
  return onHomePartition(decodeConsumedRecord(record.value), record, partitions);
}

/** decodeRecordOnPartition for a consumer that reads no lines (the same verdict on every record). */
export function decodeSummaryOnPartition(record: LogRecord, partitions: number): RecordDecodeResult<EventSummary> {
  return onHomePartition(decodeConsumedSummary(record.value), record, partitions);
}

function onHomePartition<E extends EventSummary>(d: RecordDecodeResult<E>, record: LogRecord, partitions: number): RecordDecodeResult<E> {
  if (!d.ok) return d;
  const home = partitionFor(d.event.storeId, partitions);
  if (home !== record.partition) return { ok: false, reason: `store ${d.event.storeId} belongs to partition ${home}, not ${record.partition} (records must be keyed by storeId)` };
  return d;
}
