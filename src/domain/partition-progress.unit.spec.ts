import { describe, expect, it } from "vitest";
import { advanceStreamTime, applyCommit, decideCommit, isCaughtUp, newPartitionProgress, isStaleLife, recordHandled, recordLogEnd, skipsAhead, takeQuiet } from "./partition-progress.ts";
import type { WindowingConfig } from "./windowing-config.ts";

const cfg: WindowingConfig = { graceMs: 10_000, idleSlackMs: 30_000, allowedLatenessMs: 120_000, checkpointMs: 5_000, maxFutureSkewMs: 60_000 };
const T = Date.UTC(2026, 0, 1, 10, 0);

describe("partition progress", () => {
  it("stream time only moves forward and is bounded by append time + max future skew", () => {
    const p = newPartitionProgress();
    advanceStreamTime(p, T, T, cfg);
    expect(p.streamTime).toBe(T);
    advanceStreamTime(p, T - 5000, T, cfg);
    expect(p.streamTime).toBe(T);
    advanceStreamTime(p, T + 3_600_000, T + 1000, cfg);
    expect(p.streamTime).toBe(T + 1000 + cfg.maxFutureSkewMs);
  });

  it("caught up: processed (this life or committed before it) up to the log end read after the noted wall time", () => {
    const p = newPartitionProgress();
    expect(isCaughtUp(p, { end: 0, committed: 0, observedAt: T })).toBe(true);
    expect(isCaughtUp(p, { end: 10, committed: 10, observedAt: T })).toBe(true);
    expect(isCaughtUp(p, { end: 11, committed: 10, observedAt: T })).toBe(false);
    recordHandled(p, 10, 10);
    expect(isCaughtUp(p, { end: 11, committed: 10, observedAt: T })).toBe(true);
  });

  it("caughtUpAt moves to the observation time only when caught up, never backwards", () => {
    const p = newPartitionProgress();
    recordLogEnd(p, { end: 5, committed: 0, observedAt: T });
    expect(p.caughtUpAt).toBe(0);
    recordHandled(p, 0, 4);
    recordLogEnd(p, { end: 5, committed: 0, observedAt: T + 1000 });
    expect(p.caughtUpAt).toBe(T + 1000);
    recordLogEnd(p, { end: 5, committed: 0, observedAt: T + 500 });
    expect(p.caughtUpAt).toBe(T + 1000);
    recordLogEnd(p, { end: 9, committed: 0, observedAt: T + 2000 }); // a backlog arrived: stays where it was
    expect(p.caughtUpAt).toBe(T + 1000);
  });

  it("quiet: caught up at the pass's log end and no batch handled since the previous pass; never before the first batch", () => {
    const p = newPartitionProgress();
    expect(takeQuiet(p, { end: 0, committed: 0, observedAt: T })).toBe(false); // nothing handled in this life: nothing to write
    recordHandled(p, 0, 9);
    expect(takeQuiet(p, { end: 10, committed: 0, observedAt: T })).toBe(false); // a batch since the last pass
    expect(takeQuiet(p, { end: 10, committed: 0, observedAt: T + 1000 })).toBe(true);
    expect(takeQuiet(p, { end: 12, committed: 0, observedAt: T + 2000 })).toBe(false); // behind the log end
    expect(takeQuiet(p, null)).toBe(false); // log end unknown (broker unreachable)
    recordHandled(p, 10, 11);
    expect(takeQuiet(p, { end: 12, committed: 0, observedAt: T + 3000 })).toBe(false);
    expect(takeQuiet(p, { end: 12, committed: 0, observedAt: T + 4000 })).toBe(true);
  });

  it("a batch past the next expected offset skips ahead; the life is stale only when the group committed past it", () => {
    const p = newPartitionProgress();
    expect(skipsAhead(p, 500)).toBe(false); // a new life starts anywhere
    expect(isStaleLife(p, 900)).toBe(false);
    recordHandled(p, 500, 509);
    expect(skipsAhead(p, 510)).toBe(false); // continues
    expect(skipsAhead(p, 505)).toBe(false); // fetched again from an older commit: skipped by offsets
    expect(skipsAhead(p, 511)).toBe(true);
    expect(isStaleLife(p, 505)).toBe(false); // the commit is this life's own: a gap (a commit marker), state kept
    expect(isStaleLife(p, 510)).toBe(false);
    expect(isStaleLife(p, 511)).toBe(true); // another member committed past this life
    expect(isStaleLife(p, null)).toBe(false);
  });

  it("commit: nothing before the first batch; then the lowest offset a store holds unwritten, else the next offset", () => {
    const p = newPartitionProgress();
    expect(decideCommit(p, [], false).offset).toBeNull();
    recordHandled(p, 100, 149);
    expect(decideCommit(p, [null, null], false).offset).toBe(150);
    expect(decideCommit(p, [null, 120, 130], false).offset).toBe(120);
  });

  it("commit: while a partition aggregate is unwritten, commits stay at the last point where all were written", () => {
    const p = newPartitionProgress();
    recordHandled(p, 100, 149);
    // The life started at 100: until the aggregates are written once, nothing past 100 is committed.
    const held = decideCommit(p, [], true);
    expect(held.offset).toBe(100);
    applyCommit(p, held);
    const written = decideCommit(p, [], false);
    expect(written).toEqual({ offset: 150, totalsCommit: 150 });
    applyCommit(p, written);
    recordHandled(p, 150, 199);
    const again = decideCommit(p, [180], true);
    expect(again.offset).toBe(150);
    // Deciding does not change the progress; applying does.
    expect(p.totalsCommit).toBe(150);
  });
});
