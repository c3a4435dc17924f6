import { addEvent, emptyTotals, fitsEvent, type MinuteTotals } from "./minute-row.ts";
import type { LoggedEvent } from "./store-windows.ts";
import type { WindowingConfig } from "./windowing-config.ts";
import { isBeyondLateness, windowOf } from "./windows.ts";

/**
 * The reference recomputation of minute windows from the log: no actors, no I/O, no clocks, no
 * checkpoints. Whatever the pipeline does (batching, crashes, replays, evictions, passivation), the
 * rows it ends up with must equal what this computes from the same logged events. Reconciliation
 * uses it too.
 */

/** The expected content of one (store, minute, currency) window. */
export interface ExpectedWindow {
  storeId: string;
  minute: number;
  currency: string;
  totals: MinuteTotals;
  /** Event ids counted, in the order they were counted. */
  eventIds: string[];
  /** Partition and highest offset of the events counted. */
  partition: number;
  offset: number;
}

export interface Recomputation {
  /** Windows with at least one counted event, sorted by (storeId, minute, currency). */
  windows: ExpectedWindow[];
  /**
   * Events beyond the allowed lateness (by their own append time) whose event id was not already
   * counted in their window: left out of the totals, to be recorded as late. In log order.
   */
  late: LoggedEvent[];
  /** Events not counted because their event id was already counted in the same window. */
  duplicates: LoggedEvent[];
  /** Events not counted because a sum of their window would leave the exact range (money.ts). In log order. */
  refused: LoggedEvent[];
}

export function recomputeKey(storeId: string, minute: number, currency: string): string {
  return `${storeId}|${minute}|${currency}`;
}

/**
 * Computes the expected windows from logged events. Events are taken in log order: per partition
 * by offset (the input is sorted by (partition, offset) first, so any interleaving of partitions
 * gives the same answer). Per event, in that order:
 *  1. its event id was already counted in its window → a duplicate (first counted occurrence wins);
 *  2. its append time is beyond the window's end + grace + allowed lateness → late, not counted;
 *  3. counting it would take a sum of the window past ±(2^53 − 1) → refused, not counted;
 *  4. otherwise it is counted.
 * Sums are integers in minor units per currency; currencies are never added together.
 */
export function recomputeWindows(events: readonly LoggedEvent[], cfg: WindowingConfig): Recomputation {
  const ordered = [...events].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  const windows = new Map<string, ExpectedWindow & { ids: Set<string> }>();
  const late: LoggedEvent[] = [];
  const duplicates: LoggedEvent[] = [];
  const refused: LoggedEvent[] = [];
  for (const rec of ordered) {
    const { event } = rec;
    const minute = windowOf(event.occurredAtMs);
    const key = recomputeKey(event.storeId, minute, event.currency);
    const w = windows.get(key);
    if (w?.ids.has(event.eventId)) {
      duplicates.push(rec);
      continue;
    }
    if (isBeyondLateness(minute, rec.appendTime, cfg)) {
      late.push(rec);
      continue;
    }
    if (!fitsEvent(w?.totals ?? emptyTotals(), event)) {
      refused.push(rec);
      continue;
    }
    const target =
      w ??
      (() => {
        const fresh = {
          storeId: event.storeId,
          minute,
          currency: event.currency,
          totals: emptyTotals(),
          eventIds: [] as string[],
          ids: new Set<string>(),
          partition: rec.partition,
          offset: rec.offset,
        };
        windows.set(key, fresh);
        return fresh;
      })();
    addEvent(target.totals, event);
    target.eventIds.push(event.eventId);
    target.ids.add(event.eventId);
    target.partition = rec.partition;
    target.offset = Math.max(target.offset, rec.offset);
  }
  const out = [...windows.values()].map(({ ids: _ids, ...w }) => w);
  out.sort((a, b) => (a.storeId < b.storeId ? -1 : a.storeId > b.storeId ? 1 : a.minute - b.minute || (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0)));
  return { windows: out, late, duplicates, refused };
}

/** The same result keyed by recomputeKey(storeId, minute, currency), for lookups. */
export function recomputeByKey(events: readonly LoggedEvent[], cfg: WindowingConfig): Map<string, ExpectedWindow> {
  return new Map(recomputeWindows(events, cfg).windows.map((w) => [recomputeKey(w.storeId, w.minute, w.currency), w]));
}
