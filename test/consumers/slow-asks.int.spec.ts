import { describe, expect, it } from "vitest";
import { slowCallWatch } from "../../src/observability/slow-calls.ts";
import { waitFor } from "../support/embedded-app.ts";
import { MemoryProjections } from "../support/memory-projections.ts";
import { processorOver, saleRecord } from "../support/processor-harness.ts";

/**
 * An actor request that stays unanswered used to be silent until the ask timeout (120 s in the
 * server): the partition's batches, or the whole sweeper, waited without a word. Each request is now
 * named when it has waited too long, down to the store, and again when it is answered.
 */
describe("actor requests that wait too long", () => {
  it("are logged by partition, store and kind, and again when they are answered", async () => {
    const MINUTE = 60_000;
    const now = Math.floor(Date.now() / MINUTE) * MINUTE + 10_000;
    const store = new MemoryProjections();
    // A previous life wrote the store's window, so this one reads it back before applying.
    const before = processorOver({ store, now: () => now }).processor;
    await before.assigned([0]);
    await before.batch(0, [saleRecord({ partition: 0, offset: 0, storeId: "s-slow", occurredAt: now - 2000, appendTime: now - 1500 })]);
    await before.revoked([0]);
    await before.stop();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    // Reading a store's stored rows waits until released, as a Cassandra read in trouble would.
    const minutes = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === "loadRows") return async (...args: Parameters<MemoryProjections["loadRows"]>) => held.then(() => target.loadRows(...args));
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const lines: string[] = [];
    const { processor } = processorOver({ store, minutes, now: () => now, slowAsks: slowCallWatch({ warnAfterMs: 100, warn: (l) => lines.push(l) }) });
    await processor.assigned([0]);
    const batch = processor.batch(0, [saleRecord({ partition: 0, offset: 1, storeId: "s-slow", occurredAt: now - 1000, appendTime: now - 500 })]);
    await waitFor(async () => lines.length >= 2, 5000, 20);
    expect(lines.sort()).toEqual(["partition 0: batch still pending after 0 s", "partition 0: events to store s-slow still pending after 0 s"]);
    release();
    await batch;
    await waitFor(async () => lines.length >= 4, 5000, 20);
    expect(lines.slice(2).map((l) => l.replace(/[\d.]+ s$/, "N s")).sort()).toEqual(["partition 0: batch settled after N s", "partition 0: events to store s-slow settled after N s"]);
    await processor.stop();
  });
});
