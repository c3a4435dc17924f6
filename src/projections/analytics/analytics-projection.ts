import type { DeadLetterSink, LogRecord, PartitionHandler } from "../../event-log/ports.ts";
import { decodeChangelogRow, latestPerKey, type ChangelogRow } from "./changelog-record.ts";

/** The PostgreSQL side: upserts rows, each only over an older (source_offset, revision). */
export interface AnalyticsSink {
  upsertMinuteTotals(rows: readonly ChangelogRow[]): Promise<void>;
}

/**
 * Consumer-group handler of the minute changelog: decode, dead-letter what cannot be read, upsert
 * the rest, and only then report the batch's offsets as safe to commit. A failing upsert (PostgreSQL
 * down) throws, so the consumer retries the batch in place and commits nothing.
 */
export function analyticsProjectionHandler(sink: AnalyticsSink, deadLetters: DeadLetterSink, onRows?: (n: number) => void): PartitionHandler {
  return {
    async assigned() {},
    async revoked() {
      return new Map();
    },
    async batch(_partition: number, records: LogRecord[]): Promise<number> {
      const rows: ChangelogRow[] = [];
      const bad: { record: LogRecord; reason: string }[] = [];
      for (const record of records) {
        const d = decodeChangelogRow(record.value);
        if (d.ok) rows.push(d.row);
        else bad.push({ record, reason: d.reason });
      }
      if (rows.length) await sink.upsertMinuteTotals(latestPerKey(rows));
      for (const b of bad) await deadLetters.deadLetter(b.record, b.reason);
      onRows?.(rows.length);
      return (records.at(-1)?.offset ?? -1) + 1;
    },
  };
}
