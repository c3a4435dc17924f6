import { describe, expect, it } from "vitest";
import { MINUTE_MS, minuteOf } from "../../src/domain/time.ts";
import { embeddedAppPerDescribe, saleEvent, waitFor } from "../support/embedded-app.ts";

/**
 * A quiet partition (caught up, no new records since the last pass) writes its open windows at
 * once: the checkpoint interval paces writes while records keep arriving, it is not a delay.
 */
describe("a quiet partition writes its open minutes without waiting for the checkpoint interval (embedded)", () => {
  // A checkpoint interval far longer than the test: only the quiet rule can write the open minute.
  const t = embeddedAppPerDescribe({ env: { CHECKPOINT_MS: "600000", SWEEP_INTERVAL_MS: "100", GRACE_MS: "600000" } });

  it("the open minute's provisional row is stored and the offset committed behind it within a few passes", async () => {
    const storeId = `quiet-${Date.now().toString(36)}`;
    const now = Date.now();
    const r = await t.runtime.app.inject({ method: "POST", url: "/v1/sales", payload: saleEvent({ storeId, occurredAt: new Date(now).toISOString() }) });
    expect(r.statusCode).toBe(202);
    const minute = minuteOf(now);
    const row = await waitFor(async () => (await t.runtime.adapters.minutes.storeRows(storeId, minute, minute + MINUTE_MS))[0], 10_000, 50);
    expect(row).toMatchObject({ storeId, saleCount: 1, provisional: true });
    await waitFor(async () => (await t.runtime.adapters.windowConsumer.lag()).every((l) => l.committed >= l.end) || null, 10_000, 50);
  });
});
