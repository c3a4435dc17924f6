import { describe, expect, it } from "vitest";
import type { MinuteProjection } from "../../src/projections/ports.ts";
import { MemoryProjections } from "../support/memory-projections.ts";
import { processorOver, saleRecord } from "../support/processor-harness.ts";

/**
 * A store actor used to read its window's stored row before applying the first event of every
 * window: for every new store, and for every store at every minute boundary, one projection read
 * before the event's tick. The partition actor loads its partition-minute's rows anyway (for its
 * aggregates); loaded before the stores are asked, they tell which windows have no stored row, and
 * those start without a read. A window with a stored row is still read and continued.
 */
const MINUTE = 60_000;

/** The projection, counting store-row reads and failing partition-minute loads when told to. */
function counted(store: MemoryProjections): { minutes: MinuteProjection; reads: () => number; failMinuteLoads: (on: boolean) => void } {
  let reads = 0;
  let failLoads = false;
  const minutes = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === "loadRows")
        return (...args: Parameters<MinuteProjection["loadRows"]>) => {
          reads++;
          return target.loadRows(...args);
        };
      if (prop === "loadPartitionMinute")
        return (...args: Parameters<MinuteProjection["loadPartitionMinute"]>) => (failLoads ? Promise.reject(new Error("projection down")) : target.loadPartitionMinute(...args));
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { minutes, reads: () => reads, failMinuteLoads: (on) => (failLoads = on) };
}

describe("new windows", () => {
  const minute = Math.floor(Date.now() / MINUTE) * MINUTE;
  const now = minute + 10_000;
  const sale = (offset: number, storeId: string, totalMinor = 100) => saleRecord({ partition: 0, offset, storeId, occurredAt: now - 1000, appendTime: now, totalMinor });

  it("start without a read of the projection when the partition's loaded rows show none is stored", async () => {
    const store = new MemoryProjections();
    const c = counted(store);
    const { processor, metrics } = processorOver({ store, minutes: c.minutes, now: () => now });
    try {
      await processor.assigned([0]);
      await processor.batch(0, [sale(0, "new-a"), sale(1, "new-b", 250), sale(2, "new-a", 50)]);
      await processor.revoked([0]);
      expect(c.reads()).toBe(0);
      const rows = await store.allRows(minute, minute + MINUTE);
      expect(rows.map((r) => [r.storeId, r.saleCount, r.grossMinor])).toEqual([["new-a", 2, 150], ["new-b", 1, 250]]);
      const text = await metrics.registry.render();
      expect(text).toContain('intraday_window_starts_total{how="known_absent"} 2');
    } finally {
      await processor.stop();
    }
  });

  it("with a stored row are read and continued, and an event already in it is not counted again", async () => {
    const store = new MemoryProjections();
    const first = processorOver({ store, now: () => now }).processor;
    await first.assigned([0]);
    await first.batch(0, [sale(0, "stored", 100)]);
    await first.revoked([0]);
    await first.stop();

    const c = counted(store);
    const { processor } = processorOver({ store, minutes: c.minutes, now: () => now });
    try {
      await processor.assigned([0]);
      await processor.batch(0, [sale(0, "stored", 100), sale(1, "stored", 40), sale(2, "fresh", 7)]);
      await processor.revoked([0]);
      expect(c.reads()).toBe(1); // the stored window only
      const rows = await store.allRows(minute, minute + MINUTE);
      expect(rows.map((r) => [r.storeId, r.saleCount, r.grossMinor])).toEqual([["fresh", 1, 7], ["stored", 2, 140]]);
    } finally {
      await processor.stop();
    }
  });

  it("are read as before while the partition-minute cannot be loaded", async () => {
    const store = new MemoryProjections();
    const c = counted(store);
    c.failMinuteLoads(true);
    const errors: string[] = [];
    const { processor } = processorOver({ store, minutes: c.minutes, now: () => now, onError: (err) => errors.push((err as Error).message) });
    try {
      await processor.assigned([0]);
      await processor.batch(0, [sale(0, "s-1"), sale(1, "s-2")]);
      expect(c.reads()).toBe(2);
      expect(errors.some((e) => e.includes("projection down"))).toBe(true);
      c.failMinuteLoads(false);
      await processor.revoked([0]);
      const rows = await store.allRows(minute, minute + MINUTE);
      expect(rows.map((r) => [r.storeId, r.saleCount])).toEqual([["s-1", 1], ["s-2", 1]]);
    } finally {
      await processor.stop();
    }
  });
});
