import { describe, expect, it } from "vitest";
import type { MinuteRow } from "../../src/domain/minute-row.ts";
import { isPartitionTick, type Tick } from "../../src/live/ports.ts";
import { MemoryProjections } from "../support/memory-projections.ts";
import { processorOver, saleRecord } from "../support/processor-harness.ts";
import { waitFor } from "../support/embedded-app.ts";

/**
 * A store's live tick goes out when its events are applied, not after the checkpoint write they
 * make due: with a row write held open, the tick of the event that made the checkpoint due is
 * already published, and the batch still waits for the write before it reports (and commits).
 */
const MINUTE = 60_000;
const CHECKPOINT_MS = 5000;

/** Row writes wait until released while `hold` is set. */
class HeldWrites extends MemoryProjections {
  hold = false;
  writesStarted = 0;
  private release: (() => void)[] = [];
  override async writeRows(rows: readonly MinuteRow[]): Promise<void> {
    this.writesStarted++;
    if (this.hold) await new Promise<void>((r) => this.release.push(r));
    return super.writeRows(rows);
  }
  releaseAll(): void {
    this.hold = false;
    for (const r of this.release.splice(0)) r();
  }
}

describe("live ticks and checkpoint writes", () => {
  it("publishes a store's tick before the checkpoint write its events made due, and reports the batch only after it", async () => {
    let clock = Math.floor(Date.now() / MINUTE) * MINUTE + 10_000;
    const store = new HeldWrites();
    const ticks: Tick[] = [];
    const { processor } = processorOver({
      store,
      now: () => clock,
      settings: { CHECKPOINT_MS: String(CHECKPOINT_MS) },
      onTicks: (batch) => ticks.push(...batch.filter((t): t is Tick => !isPartitionTick(t))),
    });
    let offset = 0;
    const record = (totalMinor: number) => saleRecord({ partition: 0, offset: offset++, storeId: "store-1", occurredAt: clock - 1000, appendTime: clock, totalMinor });
    try {
      await processor.assigned([0]);
      await processor.batch(0, [record(100)]);
      const firstWrites = store.writesStarted;

      // Past the checkpoint interval: the next event makes the window's write due, and the write hangs.
      clock += CHECKPOINT_MS + 1;
      store.hold = true;
      let reported = false;
      const batch = processor.batch(0, [record(250)]).then((commit) => {
        reported = true;
        return commit;
      });
      await waitFor(async () => store.writesStarted > firstWrites && ticks.some((t) => t.storeId === "store-1" && t.grossMinor === 350));
      expect(reported).toBe(false);

      store.releaseAll();
      await batch;
      expect(reported).toBe(true);
    } finally {
      store.releaseAll();
      await processor.stop();
    }
  });

  it("a checkpoint's provisional write sends no second tick of the window; the final write at its close does", async () => {
    let clock = Math.floor(Date.now() / MINUTE) * MINUTE + 10_000;
    const minute = Math.floor(clock / MINUTE) * MINUTE;
    const store = new HeldWrites();
    const ticks: Tick[] = [];
    const { processor } = processorOver({
      store,
      now: () => clock,
      settings: { CHECKPOINT_MS: String(CHECKPOINT_MS), GRACE_MS: "1000", IDLE_SLACK_MS: "1000" },
      onTicks: (batch) => ticks.push(...batch.filter((t): t is Tick => !isPartitionTick(t) && t.storeId === "store-2")),
    });
    try {
      await processor.assigned([0]);
      await processor.batch(0, [saleRecord({ partition: 0, offset: 0, storeId: "store-2", occurredAt: clock - 1000, appendTime: clock, totalMinor: 100 })]);
      expect(ticks).toMatchObject([{ grossMinor: 100, offset: 0, provisional: true }]);

      // Checkpoint due: the sweep writes the open window as provisional, at the offset already ticked.
      clock += CHECKPOINT_MS + 1;
      const writes = store.writesStarted;
      await processor.sweep();
      expect(store.writesStarted).toBeGreaterThan(writes);
      expect((await store.loadRows("store-2", [{ minute, currency: "EUR" }]))[0]).toMatchObject({ grossMinor: 100, provisional: true });
      expect(ticks).toHaveLength(1);

      // Past the minute's end, grace and idle slack: the final row is written, and its tick goes out.
      clock = minute + MINUTE + 3000;
      await processor.sweep();
      expect(ticks).toMatchObject([{ provisional: true }, { grossMinor: 100, offset: 0, provisional: false }]);
    } finally {
      await processor.stop();
    }
  });
});
