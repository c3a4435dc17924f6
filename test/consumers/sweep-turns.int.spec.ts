import { describe, expect, it } from "vitest";
import type { MinuteRow } from "../../src/domain/minute-row.ts";
import { isPartitionTick } from "../../src/live/ports.ts";
import { waitFor } from "../support/embedded-app.ts";
import { MemoryProjections } from "../support/memory-projections.ts";
import { processorOver, saleRecord } from "../support/processor-harness.ts";

/**
 * A sweep that finds many stores due (at a minute's close, every store owes its final row) asks
 * them a turn at a time: the partition's batches queued meanwhile run between the turns, so their
 * ticks wait for one turn's writes, not for every store's.
 */
const MINUTE = 60_000;

describe("a sweep with more due stores than one turn takes", () => {
  it("writes them all, turn by turn, and lets a batch queued during the first turn run before the next turn", async () => {
    const minute = Math.floor(Date.now() / MINUTE) * MINUTE;
    let clock = minute + 10_000;
    const store = new MemoryProjections();
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const minutes = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === "writeRows")
          return async (rows: MinuteRow[]) => {
            for (const r of rows) order.push(`write ${r.storeId}`);
            await held;
            return target.writeRows(rows);
          };
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const committed = new Map<number, number>();
    const { processor } = processorOver({
      store,
      minutes,
      now: () => clock,
      committed,
      sweepTurnStores: 2,
      onTicks: (ticks) => {
        for (const t of ticks) if (!isPartitionTick(t) && t.storeId === "fresh") order.push("tick fresh");
      },
    });
    await processor.assigned([0]);
    const stores = ["s1", "s2", "s3", "s4", "s5"];
    await processor.batch(0, stores.map((storeId, offset) => saleRecord({ partition: 0, offset, storeId, occurredAt: minute + 1000, appendTime: minute + 1000 })));
    expect(order).toEqual([]); // nothing due yet: no checkpoint, no close

    clock = minute + MINUTE + 30_000; // past the minute's end, grace and idle slack: all five close
    const sweep = processor.sweep();
    await waitFor(async () => order.length === 2, 5000, 5); // the first turn's two final writes, held
    const batch = processor.batch(0, [saleRecord({ partition: 0, offset: 5, storeId: "fresh", occurredAt: minute + MINUTE + 20_000, appendTime: minute + MINUTE + 20_000 })]);
    release();
    await Promise.all([sweep, batch]);

    expect(order.slice(0, 3)).toEqual(["write s1", "write s2", "tick fresh"]);
    expect(order.filter((o) => o.startsWith("write")).sort()).toEqual(stores.map((s) => `write ${s}`));
    for (const storeId of stores) {
      const rows = await store.storeRows(storeId, minute, minute + MINUTE);
      expect(rows.map((r) => [r.saleCount, r.provisional])).toEqual([[1, false]]);
    }
    expect(committed.get(0)).toBe(5); // behind every final row; the fresh store's window is still open
    await processor.stop();
  });
});
