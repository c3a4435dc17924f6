import { describe, expect, it } from "vitest";
import type { ActorDeps } from "../../src/actors/deps.ts";
import { Processor } from "../../src/actors/processor.ts";
import { loadSettings, windowingOf } from "../../src/config/settings.ts";
import { decodeEvent } from "../../src/domain/event.ts";
import { encodeForLog } from "../../src/domain/log-record.ts";
import type { MinuteRow } from "../../src/domain/minute-row.ts";
import type { LogConsumer, LogRecord } from "../../src/event-log/ports.ts";
import { isPartitionTick, type LiveTick, type Tick } from "../../src/live/ports.ts";
import { createMetrics } from "../../src/observability/metrics.ts";
import { MemoryProjections } from "../support/memory-projections.ts";
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

const consumer = {
  groupId: "g",
  run: async () => {},
  commit: async () => {},
  lag: async () => [{ partition: 0, end: 0, committed: 0 }],
  stop: async () => {},
} as LogConsumer;

describe("live ticks and checkpoint writes", () => {
  it("publishes a store's tick before the checkpoint write its events made due, and reports the batch only after it", async () => {
    let clock = Math.floor(Date.now() / MINUTE) * MINUTE + 10_000;
    const store = new HeldWrites();
    const ticks: Tick[] = [];
    const deps: ActorDeps = {
      minutes: store,
      late: store,
      ticks: { publish: (batch: readonly LiveTick[]) => ticks.push(...batch.filter((t): t is Tick => !isPartitionTick(t))) },
      deadLetters: { deadLetter: async () => {} },
      metrics: createMetrics(),
      windowing: windowingOf(loadSettings({ INTRADAY_CHECKPOINT_MS: String(CHECKPOINT_MS) })),
      partitions: 1,
      passivateAfterMs: 60_000,
      askTimeoutMs: 10_000,
      now: () => clock,
    };
    const processor = new Processor(deps, () => consumer, () => undefined);
    let offset = 0;
    const record = (totalMinor: number): LogRecord => {
      const r = decodeEvent({
        eventId: `00000000-0000-4000-8000-${String(offset).padStart(12, "0")}`,
        storeId: "store-1",
        occurredAt: new Date(clock - 1000).toISOString(),
        type: "sale",
        currency: "EUR",
        lines: [{ sku: "a", quantity: 1, unitPriceMinor: totalMinor }],
      });
      if (!r.ok) throw new Error("bad event");
      return { partition: 0, offset: offset++, key: "store-1", value: encodeForLog(r.event), appendTime: clock };
    };
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
});
