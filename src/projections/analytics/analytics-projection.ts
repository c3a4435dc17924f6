import type { DeadLetterSink, LogRecord, PartitionHandler } from "../../event-log/ports.ts";
import type { LateEventRecord } from "../ports.ts";
import { decodeChangelogRecord, latestPerKey, type ChangelogRow } from "./changelog-record.ts";

/** The PostgreSQL side: both writes are idempotent, so a re-delivered batch changes nothing. */
export interface AnalyticsSink {
  /** Upserts rows, each only over an older (source_offset, revision). */
  upsertMinuteTotals(rows: readonly ChangelogRow[]): Promise<void>;
  /** Inserts late events, ignoring log positions (partition, offset) already recorded. */
  insertLateEvents(records: readonly LateEventRecord[]): Promise<void>;
}

/**
 * Consumer-group handler of the minute changelog: decode, dead-letter what cannot be read, upsert
 * the minute rows, record the late events, and only then report the batch's offsets as safe to
 * commit. A failing write (PostgreSQL down) throws, so the consumer retries the batch in place and
 * commits nothing.
 */
export function analyticsProjectionHandler(sink: AnalyticsSink, deadLetters: DeadLetterSink, onRows?: (n: number) => void): PartitionHandler {
  return {
    async assigned() {},
    async revoked() {
      return new Map();
    },
    async batch(_partition: number, records: LogRecord[]): Promise<number> {
      const rows: ChangelogRow[] = [];
      const late: LateEventRecord[] = [];
      const bad: { record: LogRecord; reason: string }[] = [];
      for (const record of records) {
        const d = decodeChangelogRecord(record.value);
        if (!d.ok) bad.push({ record, reason: d.reason });
        else if (d.kind === "late") late.push(d.late);
        else rows.push(d.row);
      }
      if (rows.length) await sink.upsertMinuteTotals(latestPerKey(rows));
      if (late.length) await sink.insertLateEvents(late);
      for (const b of bad) await deadLetters.deadLetter(b.record, b.reason);
      onRows?.(rows.length);
      return (records.at(-1)?.offset ?? -1) + 1;
    },
  };
}
