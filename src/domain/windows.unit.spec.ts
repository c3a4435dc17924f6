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

describe("which version of a row is newer (the one rule for store windows, the live view, the queries and the live page)", () => {
  const v = (offset: number, provisional: boolean) => ({ offset, provisional });
  it.each([
    ["nothing before", undefined, v(0, true), true],
    ["a higher offset, even provisional over final", v(3, false), v(4, true), true],
    ["a lower offset, even final over provisional", v(4, true), v(3, false), false],
    ["the same offset made final", v(4, true), v(4, false), true],
    ["the same offset back to provisional", v(4, false), v(4, true), false],
    ["the same version again", v(4, false), v(4, false), false],
  ])("store row: %s → %s", (_case, prev, next, newer) => {
    expect(isNewerRow(prev, next)).toBe(newer);
  });
  it.each([
    [undefined, 0, true],
    [5, 6, true],
    [6, 6, false],
    [7, 6, false],
  ])("aggregate: version %s then %s → newer %s", (prev, next, newer) => {
    expect(isNewerAggregate(prev === undefined ? undefined : { version: prev }, { version: next })).toBe(newer);
  });
});
