import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { accepted, valid } from "./event.fixture.ts";
import {
  applyEvents,
  closeDue,
  evictSettled,
  installWindows,
  markLateRecorded,
  markWritten,
  missingWindows,
  newStoreWindows,
  nextSweepWork,
  rowsToWrite,
  sweepIsDue,
  type Clock,
  type LoggedEvent,
  type StoreWindows,
} from "./store-windows.ts";
import { MINUTE_MS } from "./time.ts";
import type { WindowingConfig } from "./windowing-config.ts";
import { closesAt } from "./windows.ts";

const cfg: WindowingConfig = { graceMs: 10_000, idleSlackMs: 30_000, allowedLatenessMs: 120_000, checkpointMs: 5_000, maxFutureSkewMs: 60_000 };
const M = Date.UTC(2026, 0, 1, 10, 0);

const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;

/** What the store actor does with a batch: load, apply, then close and write what is due. */
function events(s: StoreWindows, batch: LoggedEvent[], clock: Clock, writeFails: boolean): void {
  installWindows(s, missingWindows(s, batch), [], clock.now);
  const r = applyEvents(s, batch, cfg);
  s.pendingLate.push(...r.late);
  markLateRecorded(s, [...s.pendingLate]);
  closeDue(s, clock, cfg);
  const rows = rowsToWrite(s, clock, cfg);
  if (!writeFails) markWritten(s, rows, clock.now);
}

/** A sweep of the store (not forced), as its actor runs one; reports whether any of it changed something. */
function sweep(s: StoreWindows, clock: Clock, lateFails: boolean, writeFails: boolean): boolean {
  const late = s.pendingLate.length > 0;
  if (late && !lateFails) markLateRecorded(s, [...s.pendingLate]);
  const closed = closeDue(s, clock, cfg);
  const rows = rowsToWrite(s, clock, cfg);
  if (rows.length && !writeFails) markWritten(s, rows, clock.now);
  const evicted = evictSettled(s, clock.now, cfg);
  return late || closed > 0 || rows.length > 0 || evicted > 0;
}

const step = fc.oneof(
  fc.record({
    kind: fc.constant("events" as const),
    at: fc.array(fc.record({ minute: fc.integer({ min: -3, max: 4 }), ms: fc.integer({ min: 0, max: 59_999 }), currency: fc.constantFrom("EUR", "USD") }), { minLength: 1, maxLength: 4 }),
    writeFails: fc.boolean(),
  }),
  fc.record({ kind: fc.constant("sweep" as const), lateFails: fc.boolean(), writeFails: fc.boolean() }),
);
const advance = fc.oneof(
  fc.record({ wall: fc.integer({ min: 0, max: 90_000 }), stream: fc.integer({ min: 0, max: 90_000 }), caughtUp: fc.boolean() }),
  // To the store's next wake, or 1 ms before it: where an off-by-one would show.
  fc.record({ toWake: fc.constantFrom("at" as const, "close" as const), early: fc.constantFrom(0, 1) }),
);

describe("sweeps pass by a store with nothing due", () => {
  it("a sweep is due exactly when it would close, write, record late events or evict something", () => {
    const seen = { due: 0, notDue: 0 };
    fc.assert(
      fc.property(fc.array(fc.tuple(advance, step), { minLength: 1, maxLength: 40 }), (steps) => {
        const s = newStoreWindows("store-1");
        const clock: Clock = { streamTime: M, caughtUpAt: 0, now: M };
        let offset = 0;
        let id = 0;
        for (const [a, op] of steps) {
          if ("wall" in a) {
            clock.now += a.wall;
            clock.streamTime += a.stream;
            if (a.caughtUp) clock.caughtUpAt = clock.now;
          } else {
            const wake = nextSweepWork(s, cfg);
            if (a.toWake === "at" && Number.isFinite(wake.at)) clock.now = Math.max(clock.now, wake.at - a.early);
            if (a.toWake === "close" && Number.isFinite(wake.openMinute)) clock.streamTime = Math.max(clock.streamTime, closesAt(wake.openMinute, cfg) - a.early);
          }
          if (op.kind === "events") {
            const batch = op.at.map(({ minute, ms, currency }) => {
              const occurredAt = new Date(M + minute * MINUTE_MS + ms).toISOString();
              return { partition: 0, offset: offset++, appendTime: clock.now, event: accepted(valid({ eventId: uuid(++id), occurredAt, currency })) };
            });
            events(s, batch, clock, op.writeFails);
          } else {
            const due = sweepIsDue(nextSweepWork(s, cfg), clock, cfg);
            expect(sweep(s, clock, op.lateFails, op.writeFails)).toBe(due);
            seen[due ? "due" : "notDue"]++;
          }
        }
      }),
      { numRuns: 500 },
    );
    // Both answers occur often enough for the equivalence to mean something.
    expect(Math.min(seen.due, seen.notDue)).toBeGreaterThan(500);
  });

  it("a store whose windows are all written and open has nothing due until a checkpoint or its minute's close", () => {
    const s = newStoreWindows("store-1");
    const clock: Clock = { streamTime: M + 1_000, caughtUpAt: 0, now: M + 1_000 };
    events(s, [{ partition: 0, offset: 0, appendTime: clock.now, event: accepted(valid({ eventId: uuid(1), occurredAt: new Date(M + 1_000).toISOString() })) }], clock, false);
    // The first write of a new window waits for its checkpoint: dirty until then.
    const wake = nextSweepWork(s, cfg);
    expect(wake.openMinute).toBe(M);
    expect(sweepIsDue(wake, { ...clock, now: clock.now + cfg.checkpointMs - 1 }, cfg)).toBe(false);
    expect(sweepIsDue(wake, { ...clock, now: wake.at }, cfg)).toBe(true);
    expect(sweep(s, { ...clock, now: wake.at }, false, false)).toBe(true);
    // Written and clean: only progress past the minute's close (end + grace) makes work.
    const clean = nextSweepWork(s, cfg);
    expect(clean.at).toBe(Infinity);
    expect(sweepIsDue(clean, { streamTime: M + MINUTE_MS + cfg.graceMs - 1, caughtUpAt: 0, now: M + 10 * MINUTE_MS }, cfg)).toBe(false);
    expect(sweepIsDue(clean, { streamTime: M + MINUTE_MS + cfg.graceMs, caughtUpAt: 0, now: M + 10 * MINUTE_MS }, cfg)).toBe(true);
  });
});
