import { describe, expect, it } from "vitest";
import type { MinuteRow } from "../../src/domain/minute-row.ts";
import { isPartitionTick, type Tick } from "../../src/live/ports.ts";
import { MemoryProjections } from "../support/memory-projections.ts";
import { processorOver, saleRecord } from "../support/processor-harness.ts";
import { waitFor } from "../support/embedded-app.ts";

/**
 * Checkpoint writes go behind the reply: with a row write held open, the batch whose events made it
 * due has already reported (and its tick is out), the partition's next batch is handled, and the
 * commit offset stays behind the unwritten events until the write completes.
 */
const MINUTE = 60_000;
const CHECKPOINT_MS = 5000;

/** Row writes wait until released while `hold` is set, and fail while `fail` is. */
class HeldWrites extends MemoryProjections {
  hold = false;
  fail = false;
  writesStarted = 0;
  writesFailed = 0;
  private release: (() => void)[] = [];
  override async writeRows(rows: readonly MinuteRow[]): Promise<void> {
    this.writesStarted++;
    if (this.hold) await new Promise<void>((r) => this.release.push(r));
    if (this.fail) {
      this.writesFailed++;
      throw new Error("projection unavailable");
    }
    return super.writeRows(rows);
  }
  releaseAll(): void {
    this.hold = false;
    for (const r of this.release.splice(0)) r();
  }
}

describe("live ticks and checkpoint writes", () => {
  it("reports a batch, and takes the next, while the checkpoint write its events made due is in flight; the commit waits for the write", async () => {
    let clock = Math.floor(Date.now() / MINUTE) * MINUTE + 10_000;
    const store = new HeldWrites();
    const ticks: Tick[] = [];
    const committed = new Map<number, number>();
    const { processor } = processorOver({
      store,
      now: () => clock,
      committed,
      settings: { CHECKPOINT_MS: String(CHECKPOINT_MS) },
      onTicks: (batch) => ticks.push(...batch.filter((t): t is Tick => !isPartitionTick(t))),
    });
    let offset = 0;
    const record = (totalMinor: number) => saleRecord({ partition: 0, offset: offset++, storeId: "store-1", occurredAt: clock - 1000, appendTime: clock, totalMinor });
    const grossTicked = (gross: number) => ticks.some((t) => t.storeId === "store-1" && t.grossMinor === gross);
    try {
      await processor.assigned([0]);
      await processor.batch(0, [record(100)]);
      expect(store.writesStarted).toBe(0);

      // Past the checkpoint interval: the next event makes the window's write due, and the write hangs.
      clock += CHECKPOINT_MS + 1;
      store.hold = true;
      const commitAfterDue = await processor.batch(0, [record(250)]);
      expect(store.writesStarted).toBe(1);
      expect(grossTicked(350)).toBe(true);
      const commitAfterNext = await processor.batch(0, [record(50)]);
      expect(grossTicked(400)).toBe(true);
      // Offsets 0–2 are only in memory: no commit may pass offset 0.
      expect(Math.max(commitAfterDue, commitAfterNext)).toBe(0);
      await processor.sweep();
      expect(committed.get(0) ?? 0).toBe(0);

      store.releaseAll();
      // The write in flight held offsets 0–1; the next one (due again at once) takes offset 2.
      clock += CHECKPOINT_MS + 1;
      await waitFor(async () => {
        await processor.sweep();
        return committed.get(0) === 3;
      });
      const [row] = await store.storeRows("store-1", clock - 2 * MINUTE, clock + MINUTE);
      expect(row).toMatchObject({ grossMinor: 400, saleCount: 3 });
    } finally {
      store.releaseAll();
      await processor.stop();
    }
  });

  it("fails the store's next batch when a write behind it failed, and writes in line (failing batches, which retry) until a write succeeds", async () => {
    let clock = Math.floor(Date.now() / MINUTE) * MINUTE + 10_000;
    const store = new HeldWrites();
    const { processor } = processorOver({ store, now: () => clock, settings: { CHECKPOINT_MS: String(CHECKPOINT_MS) } });
    let offset = 0;
    const record = () => saleRecord({ partition: 0, offset: offset++, storeId: "store-1", occurredAt: clock - 1000, appendTime: clock });
    try {
      await processor.assigned([0]);
      await processor.batch(0, [record()]);
      clock += CHECKPOINT_MS + 1;
      store.fail = true;
      store.hold = true;
      expect(await processor.batch(0, [record()])).toBe(0); // its write fails behind the reply
      store.releaseAll();
      await waitFor(async () => store.writesFailed === 1);

      // The next batch reports the failure; a failing store writes in line, so it and its retries fail while the store is down.
      const third = [record()];
      await expect(processor.batch(0, third)).rejects.toThrow(/projection unavailable/);
      await expect(processor.batch(0, third)).rejects.toThrow(/projection unavailable/);
      expect(store.writesFailed).toBe(3);

      store.fail = false;
      expect(await processor.batch(0, third)).toBe(3); // written in line: the commit passes it at once
      const [row] = await store.storeRows("store-1", clock - 2 * MINUTE, clock + MINUTE);
      expect(row).toMatchObject({ saleCount: 3 });
    } finally {
      await processor.stop();
    }
  });
});
