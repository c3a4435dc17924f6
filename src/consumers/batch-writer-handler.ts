import type { DeadLetterSink, LogRecord, PartitionHandler } from "../event-log/ports.ts";
import { failureReason } from "./failure-kind.ts";
import { writeIsolatingFailures } from "./isolate-failures.ts";

export interface BatchWriterOptions<W> {
  /** Names the writer in dead-letter reasons, e.g. "raw history". */
  name: string;
  /** The row to write for a record; `{ reason }` to dead-letter it; null to skip it (another group dead-letters it). */
  decode(record: LogRecord): { row: W } | { reason: string } | null;
  /** Writes rows idempotently (a retried batch writes them again). */
  write(rows: readonly W[]): Promise<void>;
  deadLetters: DeadLetterSink;
  onDeadLetter?: () => void;
}

/**
 * A consumer group handler that writes each batch to one store, for any group that projects records
 * into rows (raw history, the analytics changelog): unreadable records and records the store refuses
 * for a reason of their own (a deterministic error, isolated by splitting the batch) go to the
 * dead-letter sink with the reason and the partition moves on; a transient failure fails the batch,
 * which the consumer retries with backoff. Safe to commit after the batch: everything is written.
 */
export function batchWriterHandler<W>(o: BatchWriterOptions<W>): PartitionHandler {
  const deadLetter = async (record: LogRecord, reason: string) => {
    await o.deadLetters.deadLetter(record, reason);
    o.onDeadLetter?.();
  };
  return {
    async assigned() {},
    async revoked() {
      return new Map();
    },
    async batch(_partition: number, records: LogRecord[]): Promise<number> {
      const items: { record: LogRecord; row: W }[] = [];
      const unreadable: { record: LogRecord; reason: string }[] = [];
      for (const record of records) {
        const d = o.decode(record);
        if (d === null) continue;
        if ("row" in d) items.push({ record, row: d.row });
        else unreadable.push({ record, reason: d.reason });
      }
      const refused = await writeIsolatingFailures(items, (batch) => o.write(batch.map((i) => i.row)));
      for (const u of unreadable) await deadLetter(u.record, u.reason);
      for (const { item, error } of refused) await deadLetter(item.record, `${o.name} refused the record: ${failureReason(error)}`);
      return records[records.length - 1]!.offset + 1;
    },
  };
}
