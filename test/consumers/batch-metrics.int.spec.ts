import { describe, expect, it } from "vitest";
import { MemoryProjections } from "../support/memory-projections.ts";
import { processorOver, saleRecord } from "../support/processor-harness.ts";

/** A partition actor's batches and sweeps are timed by phase, and a batch's wait in the log is measured against its first record's append time. */
const MINUTE = 60_000;

describe("batch metrics", () => {
  it("times each batch's stores and totals phases and each sweep, and measures the wait of the batch's first record", async () => {
    const clock = Math.floor(Date.now() / MINUTE) * MINUTE + 10_000;
    const { processor, metrics } = processorOver({ store: new MemoryProjections(), now: () => clock });
    try {
      await processor.assigned([0]);
      await processor.batch(0, [saleRecord({ partition: 0, offset: 0, storeId: "s-1", occurredAt: clock - 1000, appendTime: clock - 1500 })]);
      await processor.batch(0, [saleRecord({ partition: 0, offset: 1, storeId: "s-1", occurredAt: clock - 1000, appendTime: clock - 100 })]);
      await processor.sweep();
      const text = await metrics.registry.render();
      expect(text).toContain('intraday_batch_seconds_count{phase="stores"} 2');
      expect(text).toContain('intraday_batch_seconds_count{phase="totals"} 2');
      expect(text).toContain('intraday_batch_seconds_count{phase="sweep"} 1');
      expect(text).toContain("intraday_batch_wait_seconds_count 2");
      // 1.5 s and 0.1 s in the log: only the second is within 1 s.
      expect(text).toContain('intraday_batch_wait_seconds_bucket{le="1"} 1');
      expect(text).toMatch(/intraday_batch_wait_seconds_sum 1\.6\d*\n/);
    } finally {
      await processor.stop();
    }
  });
});
