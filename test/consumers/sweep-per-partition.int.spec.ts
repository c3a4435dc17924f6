import { describe, expect, it } from "vitest";
import { partitionFor } from "../../src/event-log/partitioner.ts";
import { waitFor } from "../support/embedded-app.ts";
import { MemoryProjections } from "../support/memory-projections.ts";
import { processorOver, saleRecord } from "../support/processor-harness.ts";

/**
 * The wall-clock sweep closes quiet windows and commits behind them. It used to go through the
 * partitions one after another, so one partition whose actor was busy (its store reads stuck on a
 * slow database, a previous owner's rows being adopted) held back every other partition's closes
 * and commits for as long. Each partition is now swept on its own.
 */
const MINUTE = 60_000;

/** A store id whose events belong to `partition` of `partitions`. */
function storeOn(partition: number, partitions: number, prefix: string): string {
  for (let i = 0; ; i++) if (partitionFor(`${prefix}-${i}`, partitions) === partition) return `${prefix}-${i}`;
}

describe("the sweep", () => {
  it("closes a quiet partition's windows and commits behind them while another partition's actor is stuck", async () => {
    const minute = Math.floor(Date.now() / MINUTE) * MINUTE;
    let clock = minute + 10_000;
    const store = new MemoryProjections();
    const stuck = storeOn(0, 2, "stuck");
    const quiet = storeOn(1, 2, "quiet");
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    // Partition 0's stored rows cannot be read until released (its actor waits in its first batch).
    const minutes = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === "loadPartitionMinute")
          return async (...args: Parameters<MemoryProjections["loadPartitionMinute"]>) =>
            args[0] === 0 ? held.then(() => target.loadPartitionMinute(...args)) : target.loadPartitionMinute(...args);
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const committed = new Map<number, number>();
    const { processor } = processorOver({ store, minutes, now: () => clock, partitions: 2, committed });
    await processor.assigned([0, 1]);
    await processor.batch(1, [0, 1, 2].map((offset) => saleRecord({ partition: 1, offset, storeId: quiet, occurredAt: minute + 1000, appendTime: minute + 1000 })));
    const stuckBatch = processor.batch(0, [saleRecord({ partition: 0, offset: 0, storeId: stuck, occurredAt: minute + 1000, appendTime: minute + 1000 })]);

    clock = minute + MINUTE + 30_000; // past the minute's end, grace and idle slack
    const passes = [processor.sweep(), processor.sweep()];
    await waitFor(async () => {
      const rows = await store.storeRows(quiet, minute, minute + MINUTE);
      return rows.length === 1 && !rows[0]!.provisional && rows[0]!.saleCount === 3 && committed.get(1) === 3;
    }, 5000, 20);
    expect(committed.has(0)).toBe(false);

    release();
    await stuckBatch;
    await Promise.all(passes);
    await processor.sweep();
    const rows = await store.storeRows(stuck, minute, minute + MINUTE);
    expect(rows.map((r) => [r.saleCount, r.provisional])).toEqual([[1, false]]);
    expect(committed.get(0)).toBe(1);
    await processor.stop();
  });
});
