import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import type { Processor } from "../../src/actors/processor.ts";
import type { MinuteRow } from "../../src/domain/minute-row.ts";
import { partitionFor } from "../../src/event-log/partitioner.ts";
import type { LogRecord } from "../../src/event-log/ports.ts";
import type { Metrics } from "../../src/observability/metrics.ts";
import { MemoryProjections } from "../support/memory-projections.ts";
import { processorOver, saleRecord } from "../support/processor-harness.ts";
import { waitFor } from "../support/embedded-app.ts";

/**
 * The intraday_store_actors gauge equals the store actors the actor system really holds, through a
 * rebalance (a partition revoked, flushed and handed over), a revocation whose flush fails followed
 * by the partition coming back, passivation of idle stores, and the processor's stop. It drifted
 * up when a partition actor was replaced or the processor stopped: nact does not stop the children
 * of a stopped actor, so their stores were cut off and never counted down. The open-windows count
 * matches the windows those actors hold.
 */
const MINUTE = 60_000;
const PARTITIONS = 2;

/** The live store actors of a processor's actor system, read from nact's own tree (children of the partition actors). */
interface NactNode {
  name: string;
  stopped?: boolean;
  children: Map<string, NactNode>;
  state?: { windows?: Map<unknown, unknown> };
}
const nactSystems = createRequire(import.meta.url)("nact/lib/system-map.js") as { find(name: string): NactNode | undefined };
function liveStoreNodes(p: Processor): NactNode[] {
  const ref = (p as unknown as { system: { system: { name: string } } }).system;
  const out: NactNode[] = [];
  for (const partition of nactSystems.find(ref.system.name)?.children.values() ?? []) {
    for (const child of partition.children.values()) if (child.name.startsWith("store-") && !child.stopped) out.push(child);
  }
  return out;
}
const liveStoreActors = (p: Processor) => liveStoreNodes(p).length;
/** The windows the live store actors hold, read from their states. */
const liveWindows = (p: Processor) => liveStoreNodes(p).reduce((n, node) => n + (node.state?.windows?.size ?? 0), 0);

/** Memory projections whose row writes can be made to fail (a store outage during a revocation's flush). */
class FlakyProjections extends MemoryProjections {
  failWrites = false;
  override async writeRows(rows: readonly MinuteRow[]): Promise<void> {
    if (this.failWrites) throw new Error("projection unavailable");
    return super.writeRows(rows);
  }
}

const start = Math.floor(Date.now() / MINUTE) * MINUTE + 10_000;
let clock = start;
const store = new FlakyProjections();
// Caught up at every sweep: quiet windows close by the wall clock.
const member = () => processorOver({ store, now: () => clock, partitions: PARTITIONS });

const storesOf = (partition: number) =>
  Array.from({ length: 40 }, (_, i) => `store-${i}`)
    .filter((s) => partitionFor(s, PARTITIONS) === partition)
    .slice(0, 3);
let nextOffset = 0;
function records(partition: number): LogRecord[] {
  return storesOf(partition).map((storeId) => saleRecord({ partition, offset: nextOffset++, storeId, occurredAt: clock - 1000, appendTime: clock - 500 }));
}

describe("the store actors gauge", () => {
  it("equals the live store actors through a rebalance, a failed revocation, passivation and stop", async () => {
    const a = member();
    const b = member();
    const gaugeMatches = (m: { processor: Processor; metrics: Metrics }, expected: number) => {
      expect(liveStoreActors(m.processor)).toBe(expected);
      expect(m.metrics.storeActors.get()).toBe(expected);
    };
    // The open-windows count the partitions keep from their stores' replies (no pass over the stores),
    // checked while every live store belongs to an owned partition.
    const windowsMatch = (m: { processor: Processor }, expected: number) => {
      expect(liveWindows(m.processor)).toBe(expected);
      expect(m.processor.openWindows()).toBe(expected);
    };

    await a.processor.assigned([0, 1]);
    await a.processor.batch(0, records(0));
    await a.processor.batch(1, records(1));
    gaugeMatches(a, 6);
    windowsMatch(a, 6);

    // Rebalance: partition 1 is flushed and handed to b.
    await a.processor.revoked([1]);
    await b.processor.assigned([1]);
    await b.processor.batch(1, records(1));
    gaugeMatches(a, 3);
    gaugeMatches(b, 3);
    windowsMatch(a, 3);
    windowsMatch(b, 3);

    // A revocation whose flush fails keeps partition 0's stores; when the partition comes back, its
    // old actor is replaced by a new one, and those stores go with it.
    store.failWrites = true;
    await a.processor.revoked([0]);
    store.failWrites = false;
    gaugeMatches(a, 3);
    await a.processor.assigned([0]);
    gaugeMatches(a, 0);
    await a.processor.batch(0, records(0));
    gaugeMatches(a, 3);
    windowsMatch(a, 3);

    // Passivation: past the allowed lateness and the idle time, every store is written final and stopped.
    clock += 15 * MINUTE;
    await waitFor(async () => {
      await a.processor.sweep();
      await b.processor.sweep();
      return liveStoreActors(a.processor) === 0 && liveStoreActors(b.processor) === 0;
    });
    gaugeMatches(a, 0);
    gaugeMatches(b, 0);
    windowsMatch(a, 0);
    windowsMatch(b, 0);

    // Stores spawned again, then the processor stops: the gauge goes back to 0 with them.
    clock += MINUTE;
    await b.processor.batch(1, records(1));
    gaugeMatches(b, 3);
    windowsMatch(b, 3);
    await Promise.all([a.processor.stop(), b.processor.stop()]);
    gaugeMatches(a, 0);
    gaugeMatches(b, 0);
  });
});
