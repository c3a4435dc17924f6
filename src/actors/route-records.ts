import { decodeConsumedSummary } from "../consumers/record-decoder.ts";
import type { WindowedEvent } from "../domain/store-windows.ts";
import type { LogRecord } from "../event-log/ports.ts";

export interface RoutedRecords {
  /** Readable events of this partition, grouped by store, in log order. */
  byStore: Map<string, WindowedEvent[]>;
  /** Records that cannot be processed here, with the reason: they go to the dead-letter sink. */
  rejected: { record: LogRecord; reason: string }[];
}

/** Decodes a batch once and groups it by store (pure: the partition actor does the dead-lettering). */
export function routeRecords(records: readonly LogRecord[], partition: number, partitionOf: (storeId: string) => number): RoutedRecords {
  const byStore = new Map<string, WindowedEvent[]>();
  const rejected: RoutedRecords["rejected"] = [];
  for (const record of records) {
    const decoded = decodeConsumedSummary(record.value);
    if (!decoded.ok) {
      rejected.push({ record, reason: decoded.reason });
      continue;
    }
    const event = decoded.event;
    const logged: WindowedEvent = { partition: record.partition, offset: record.offset, appendTime: record.appendTime, event };
    const list = byStore.get(event.storeId);
    if (list) {
      list.push(logged); // the store's partition was checked at its first record
      continue;
    }
    const owner = partitionOf(event.storeId);
    if (owner !== partition) {
      rejected.push({ record, reason: `store ${event.storeId} belongs to partition ${owner}, not ${partition} (records must be keyed by storeId)` });
      continue;
    }
    byStore.set(event.storeId, [logged]);
  }
  return { byStore, rejected };
}
