import { describe, expect, it } from "vitest";
import { MINUTE_MS } from "./time.ts";
import type { WindowingConfig } from "./windowing-config.ts";
import { closesAt, isBeyondLateness, isClosedBy, isNewerAggregate, isNewerRow, mayEvict, oldestUnsettledMinute, settledAt, windowOf } from "./windows.ts";

const cfg: WindowingConfig = { graceMs: 10_000, idleSlackMs: 30_000, allowedLatenessMs: 120_000, checkpointMs: 5_000, maxFutureSkewMs: 60_000 };
const M = Date.UTC(2026, 0, 1, 10, 0);
const END = M + MINUTE_MS;

describe("window arithmetic", () => {
  it("windowOf: the UTC minute start, end exclusive", () => {
    expect(windowOf(M)).toBe(M);
    expect(windowOf(END - 1)).toBe(M);
    expect(windowOf(END)).toBe(END);
  });

  it("closesAt and isClosedBy: stream time at end + grace, or caught up at end + grace + idle slack; the wall clock is not an input", () => {
    expect(closesAt(M, cfg)).toBe(END + cfg.graceMs);
    expect(isClosedBy(M, { streamTime: END + cfg.graceMs - 1, caughtUpAt: END + cfg.graceMs + cfg.idleSlackMs - 1 }, cfg)).toBe(false);
    expect(isClosedBy(M, { streamTime: END + cfg.graceMs, caughtUpAt: 0 }, cfg)).toBe(true);
    expect(isClosedBy(M, { streamTime: 0, caughtUpAt: END + cfg.graceMs + cfg.idleSlackMs }, cfg)).toBe(true);
  });

  it("isBeyondLateness: append time past close + allowed lateness; the boundary is still on time", () => {
    const limit = END + cfg.graceMs + cfg.allowedLatenessMs;
    expect(isBeyondLateness(M, limit, cfg)).toBe(false);
    expect(isBeyondLateness(M, limit + 1, cfg)).toBe(true);
  });

  it("mayEvict: only after the window can no longer be corrected (settledAt), boundary excluded", () => {
    const settled = END + cfg.graceMs + cfg.idleSlackMs + cfg.allowedLatenessMs;
    expect(settledAt(M, cfg)).toBe(settled);
    expect(mayEvict(M, settled, cfg)).toBe(false);
    expect(mayEvict(M, settled + 1, cfg)).toBe(true);
  });

  it("oldestUnsettledMinute: every minute at or after it may still be open or corrected", () => {
    const now = settledAt(M, cfg);
    expect(oldestUnsettledMinute(now, cfg)).toBe(M);
    expect(mayEvict(oldestUnsettledMinute(now, cfg), now, cfg)).toBe(false);
  });
});

describe("which version of a row is newer (the one rule for store windows, the live view and the queries)", () => {
  const v = (offset: number, provisional: boolean) => ({ offset, provisional });
  it("a higher offset wins whatever its state; at the same offset final beats provisional; equal is not newer", () => {
    expect(isNewerRow(undefined, v(0, true))).toBe(true);
    expect(isNewerRow(v(3, false), v(4, true))).toBe(true);
    expect(isNewerRow(v(4, true), v(3, false))).toBe(false);
    expect(isNewerRow(v(4, true), v(4, false))).toBe(true);
    expect(isNewerRow(v(4, false), v(4, true))).toBe(false);
    expect(isNewerRow(v(4, false), v(4, false))).toBe(false);
  });
  it("aggregates: a strictly higher version wins", () => {
    expect(isNewerAggregate(undefined, { version: 0 })).toBe(true);
    expect(isNewerAggregate({ version: 5 }, { version: 6 })).toBe(true);
    expect(isNewerAggregate({ version: 6 }, { version: 6 })).toBe(false);
    expect(isNewerAggregate({ version: 7 }, { version: 6 })).toBe(false);
  });
});
