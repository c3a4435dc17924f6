import { decodeLogRecord } from "../domain/event.ts";
import type { LoggedEvent } from "../domain/store-windows.ts";
import type { LogRecord, PartitionHandler } from "../log/ports.ts";
import type { RawHistoryStore } from "../projections/ports.ts";

/**
 * The raw-history consumer (its own consumer group): every readable event into raw history,
 * idempotent on eventId, committed after the insert. Unreadable records are the window
 * consumer's to dead-letter; here they are skipped.
 */
export function rawHistoryHandler(store: RawHistoryStore): PartitionHandler {
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
