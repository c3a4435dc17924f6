import type { Tick } from "../../src/live/ports.ts";

/** One provisional tick per store for `minute`: fills a live view without running the pipeline. */
export function storeTicks(storeIds: readonly string[], minute: number): Tick[] {
  return storeIds.map((storeId, i) => ({
    storeId,
    minute,
    currency: "EUR",
    partition: 0,
    offset: i,
    revision: 0,
    provisional: true,
    saleCount: 1,
    refundCount: 0,
    grossMinor: 100 + i,
    refundMinor: 0,
    itemCount: 1,
    firstEventAt: minute,
    lastEventAt: minute,
  }));
}

export const manyStoreIds = (n: number) => Array.from({ length: n }, (_, i) => `st-${i.toString(36)}`);
