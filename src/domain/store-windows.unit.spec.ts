import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeEvent, type SaleEvent } from "./event.ts";
import { netMinor, windowKey, type MinuteRow } from "./minute-row.ts";
import { recomputeWindows } from "./recompute.ts";
import {
  applyEvents,
  closeDue,
  evictSettled,
  hasOpenWindows,
  installWindows,
  learnStoredIds,
  markLateRecorded,
  markWritten,
  minDirtyOffset,
  missingWindows,
  newStoreWindows,
  rowsToWrite,
  viewOf,
  type LoggedEvent,
  type StoreWindows,
} from "./store-windows.ts";
import { MINUTE_MS } from "./time.ts";
import type { WindowingConfig } from "./windowing-config.ts";
import { isBeyondLateness, isClosedBy } from "./windows.ts";

const cfg: WindowingConfig = { graceMs: 10_000, idleSlackMs: 30_000, allowedLatenessMs: 120_000, checkpointMs: 5_000, maxFutureSkewMs: 60_000 };
const M = Date.UTC(2026, 0, 1, 10, 0); // the window under test: [M, M + 60 s)
const END = M + MINUTE_MS;
const STORE = "store-1";

let idCounter = 0;
function uuid(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
}

function sale(over: { at?: number; currency?: string; type?: "sale" | "refund"; lines?: { quantity: number; unitPriceMinor: number }[]; id?: string } = {}): SaleEvent {
  const r = decodeEvent({
    eventId: over.id ?? uuid(++idCounter),
    storeId: STORE,
    occurredAt: new Date(over.at ?? M + 1000).toISOString(),
    type: over.type ?? "sale",
    currency: over.currency ?? "EUR",
    lines: (over.lines ?? [{ quantity: 1, unitPriceMinor: 100 }]).map((l, i) => ({ sku: `sku-${i}`, ...l })),
  });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.event;
}

function logged(event: SaleEvent, offset: number, appendTime = event.occurredAtMs + 500, partition = 0): LoggedEvent {
  return { partition, offset, appendTime, event };
}

/** Loads (from `rows`, as an actor would) whatever windows the events need, then applies them, reading stored ids from `rows` when asked. */
function apply(s: StoreWindows, events: LoggedEvent[], rows: MinuteRow[] = [], now = 0) {
  const missing = missingWindows(s, events);
  installWindows(s, missing, rows, now);
  let r = applyEvents(s, events, cfg);
  while (r.needsStoredIds) {
    const k = r.needsStoredIds;
    const row = rows.find((x) => x.minute === k.minute && x.currency === k.currency);
    if (!row) throw new Error("the test must pass the stored rows: applying asked for a window's stored ids");
    learnStoredIds(s, k, row.eventIds);
    r = applyEvents(s, events, cfg, r);
  }
  return r;
}

const EUR = windowKey(M, "EUR");

/**
 * What an actor does on each pass: close what progress has passed, then take the rows due. Unless
 * a test says otherwise, the partition is caught up to the log end at `now` (a quiet partition).
 */
function dueWrites(s: StoreWindows, clock: { streamTime: number; now: number; caughtUpAt?: number }, c: WindowingConfig, force = false): MinuteRow[] {
  const full = { caughtUpAt: clock.now, ...clock };
  closeDue(s, full, c);
  return rowsToWrite(s, full, c, force);
}

describe("store windows", () => {
  describe("final writes", () => {
    it("given a checkpointed window whose closing write failed, then the next pass writes it final again, and the store is not passivated meanwhile", () => {
      const s = newStoreWindows(STORE);
      apply(s, [logged(sale(), 0)]);
      const checkpoint = dueWrites(s, { streamTime: M + 2000, now: M + 2000 }, cfg, true);
      markWritten(s, checkpoint, M + 2000);
      expect(checkpoint[0]!.provisional).toBe(true);

      const closedAt = { streamTime: END + cfg.graceMs, now: END + cfg.graceMs };
      const closing = dueWrites(s, closedAt, cfg);
      expect(closing.map((r) => r.provisional)).toEqual([false]);
      // the write fails: markWritten is not called
      expect(hasOpenWindows(s)).toBe(true);
      const retry = dueWrites(s, { ...closedAt, now: closedAt.now + 1000 }, cfg);
      expect(retry.map((r) => [r.provisional, r.revision])).toEqual([[false, 2]]);
      markWritten(s, retry, closedAt.now + 1000);
      expect(dueWrites(s, { ...closedAt, now: closedAt.now + 2000 }, cfg)).toEqual([]);
      expect(hasOpenWindows(s)).toBe(false);
    });
  });

  describe("applying events", () => {
    it("given sales and refunds, then net = gross − refunds and itemCount counts units sold only", () => {
      const s = newStoreWindows(STORE);
      apply(s, [
        logged(sale({ lines: [{ quantity: 2, unitPriceMinor: 500 }, { quantity: 1, unitPriceMinor: 250 }] }), 0),
        logged(sale({ type: "refund", lines: [{ quantity: 3, unitPriceMinor: 100 }] }), 1),
        logged(sale({ lines: [{ quantity: 4, unitPriceMinor: 0 }] }), 2),
      ]);
      const v = viewOf(s, EUR)!;
      expect(v).toMatchObject({ saleCount: 2, refundCount: 1, grossMinor: 1250, refundMinor: 300, itemCount: 7 });
      expect(netMinor(v)).toBe(950);
    });

    it("a window holding only refunds has a negative net", () => {
      const s = newStoreWindows(STORE);
      apply(s, [logged(sale({ type: "refund", lines: [{ quantity: 1, unitPriceMinor: 700 }] }), 0)]);
      const v = viewOf(s, EUR)!;
      expect([v.saleCount, v.refundCount, v.itemCount, netMinor(v)]).toEqual([0, 1, 0, -700]);
    });

    it("given several currencies in one minute, then each has its own window and none is summed into another", () => {
      const s = newStoreWindows(STORE);
      apply(s, [
        logged(sale({ currency: "EUR", lines: [{ quantity: 1, unitPriceMinor: 100 }] }), 0),
        logged(sale({ currency: "USD", lines: [{ quantity: 1, unitPriceMinor: 200 }] }), 1),
        logged(sale({ currency: "JPY", lines: [{ quantity: 1, unitPriceMinor: 300 }] }), 2),
        logged(sale({ currency: "EUR", lines: [{ quantity: 1, unitPriceMinor: 1 }] }), 3),
      ]);
      expect(s.windows.size).toBe(3);
      expect(viewOf(s, windowKey(M, "EUR"))!.grossMinor).toBe(101);
      expect(viewOf(s, windowKey(M, "USD"))!.grossMinor).toBe(200);
      expect(viewOf(s, windowKey(M, "JPY"))!.grossMinor).toBe(300);
    });

    it("windows are UTC minutes of the event time: 59.999 s and 60 s fall in different windows", () => {
      const s = newStoreWindows(STORE);
      apply(s, [logged(sale({ at: END - 1 }), 0), logged(sale({ at: END }), 1), logged(sale({ at: M }), 2)]);
      expect(viewOf(s, windowKey(M, "EUR"))!.saleCount).toBe(2);
      expect(viewOf(s, windowKey(END, "EUR"))!.saleCount).toBe(1);
      expect(viewOf(s, windowKey(M, "EUR"))).toMatchObject({ firstEventAt: M, lastEventAt: END - 1 });
    });

    it("given a window not loaded, then applying is refused rather than silently starting from empty", () => {
      expect(() => applyEvents(newStoreWindows(STORE), [logged(sale(), 0)], cfg)).toThrow(/not loaded/);
    });
  });

  describe("duplicates", () => {
    it("given the same eventId twice in one batch, then it is applied once", () => {
      const s = newStoreWindows(STORE);
      const e = sale();
      const r = apply(s, [logged(e, 0), logged(e, 1)]);
      expect(r.outcomes).toEqual(["applied", "duplicate"]);
      expect(viewOf(s, EUR)!.saleCount).toBe(1);
    });

    it("given the same eventId re-appended in a later batch, even in upper case, then it is applied once", () => {
      const s = newStoreWindows(STORE);
      const e = sale();
      apply(s, [logged(e, 3)]);
      const upper = decodeEvent({ eventId: e.eventId.toUpperCase(), storeId: e.storeId, occurredAt: e.occurredAt, type: e.type, currency: e.currency, lines: e.lines });
      if (!upper.ok) throw new Error("upper-case UUID must be accepted");
      const r = apply(s, [logged(upper.event, 9)]);
      expect(r.outcomes).toEqual(["duplicate"]);
      expect(viewOf(s, EUR)).toMatchObject({ saleCount: 1, offset: 3 });
    });

    it("given a duplicate after the window was written, evicted and reloaded, then it is still applied once", () => {
      const s = newStoreWindows(STORE);
      const e = sale();
      apply(s, [logged(e, 0)]);
      const rows = dueWrites(s, { streamTime: END + cfg.graceMs, now: END }, cfg);
      markWritten(s, rows, END);
      expect(evictSettled(s, END + cfg.graceMs + cfg.idleSlackMs + cfg.allowedLatenessMs + 1, cfg)).toBe(1);
      const r = apply(s, [logged(e, 5, END + 1000)], rows);
      expect(r.outcomes).toEqual(["duplicate"]);
      expect(viewOf(s, EUR)!.saleCount).toBe(1);
    });
  });

  describe("replay", () => {
    const stored = (): MinuteRow => ({
      storeId: STORE,
      minute: M,
      currency: "EUR",
      saleCount: 1,
      refundCount: 0,
      grossMinor: 100,
      refundMinor: 0,
      itemCount: 1,
      firstEventAt: M + 1000,
      lastEventAt: M + 1000,
      partition: 0,
      offset: 7,
      revision: 1,
      provisional: true,
      eventIds: [uuid(999_001)],
    });

    it("given a stored row at offset 7, then records at offsets ≤ 7 of that partition are skipped and later ones applied", () => {
      const s = newStoreWindows(STORE);
      const r = apply(s, [logged(sale(), 5), logged(sale(), 7), logged(sale(), 8)], [stored()]);
      expect(r.outcomes).toEqual(["replayed", "replayed", "applied"]);
      expect(viewOf(s, EUR)).toMatchObject({ saleCount: 2, grossMinor: 200, offset: 8, revision: 1 });
    });

    it("the offset rule is per partition: the same offset on another partition is not a replay", () => {
      const s = newStoreWindows(STORE);
      const r = apply(s, [logged(sale(), 5, undefined, 1)], [stored()]);
      expect(r.outcomes).toEqual(["applied"]);
    });

    it("given a loaded row, then the next write continues its revision and keeps its totals", () => {
      const s = newStoreWindows(STORE);
      const e = sale();
      apply(s, [logged(e, 8)], [stored()], M);
      const [row] = dueWrites(s, { streamTime: END + cfg.graceMs, now: M }, cfg);
      expect(row).toMatchObject({ saleCount: 2, grossMinor: 200, offset: 8, revision: 2, provisional: false });
      // the loaded id is stored already: the write carries only the new one, after it
      expect(row!.idsFrom).toBe(1);
      expect(row!.eventIds).toEqual([e.eventId]);
    });
  });

  describe("event ids in writes", () => {
    it("a window's first write carries all its ids; later writes only those added since the last durable write, at their position", () => {
      const s = newStoreWindows(STORE);
      const [a, b, c, d] = [sale(), sale(), sale(), sale()];
      apply(s, [logged(a, 1), logged(b, 2)], [], M);
      const first = dueWrites(s, { streamTime: M, now: M }, cfg, true);
      expect(first[0]!.eventIds).toEqual([a.eventId, b.eventId]);
      expect(first[0]!.idsFrom ?? 0).toBe(0);
      markWritten(s, first, M);

      apply(s, [logged(c, 3)], [], M);
      const failed = dueWrites(s, { streamTime: M, now: M }, cfg, true);
      expect(failed[0]).toMatchObject({ idsFrom: 2, eventIds: [c.eventId] });
      // that write fails (no markWritten): the next one still carries c, with d
      apply(s, [logged(d, 4), logged(a, 5)], first, M);
      const retry = dueWrites(s, { streamTime: M, now: M }, cfg, true);
      expect(retry[0]).toMatchObject({ idsFrom: 2, eventIds: [c.eventId, d.eventId], saleCount: 4 });
      markWritten(s, retry, M);

      const closing = dueWrites(s, { streamTime: END + cfg.graceMs, now: M }, cfg);
      expect(closing[0]).toMatchObject({ idsFrom: 4, eventIds: [], provisional: false });
    });
  });

  describe("lateness", () => {
    it("isBeyondLateness: append time > end + grace + allowed lateness, boundary included as on time", () => {
      const limit = END + cfg.graceMs + cfg.allowedLatenessMs;
      expect(isBeyondLateness(M, limit, cfg)).toBe(false);
      expect(isBeyondLateness(M, limit + 1, cfg)).toBe(true);
    });

    it("given a closed, written window, when an event arrives within lateness, then it corrects the row as revision + 1, final", () => {
      const s = newStoreWindows(STORE);
      apply(s, [logged(sale(), 0)]);
      const first = dueWrites(s, { streamTime: END + cfg.graceMs, now: END }, cfg);
      expect(first.map((r) => [r.revision, r.provisional, r.saleCount])).toEqual([[1, false, 1]]);
      markWritten(s, first, END);
      const r = apply(s, [logged(sale({ lines: [{ quantity: 2, unitPriceMinor: 50 }] }), 1, END + cfg.graceMs + cfg.allowedLatenessMs)]);
      expect(r.outcomes).toEqual(["applied"]);
      const corrected = dueWrites(s, { streamTime: END + cfg.graceMs + 1, now: END + 1 }, cfg);
      expect(corrected.map((x) => [x.revision, x.provisional, x.saleCount, x.grossMinor, x.offset])).toEqual([[2, false, 2, 200, 1]]);
    });

    it("given an event beyond lateness (by its append time), then it is reported late with a reason and not applied", () => {
      const s = newStoreWindows(STORE);
      apply(s, [logged(sale(), 0)]);
      const e = sale();
      const appendTime = END + cfg.graceMs + cfg.allowedLatenessMs + 1;
      const r = apply(s, [logged(e, 4, appendTime)]);
      expect(r.outcomes).toEqual(["late"]);
      expect(r.late).toEqual([{ event: e, partition: 0, offset: 4, appendTime, reason: "beyond allowed lateness" }]);
      expect(r.changed.size).toBe(0);
      expect(viewOf(s, EUR)).toMatchObject({ saleCount: 1, offset: 0 });
    });

    it("lateness ignores the wall clock and stream time: a replay judges the same record alike", () => {
      const s1 = newStoreWindows(STORE);
      const s2 = newStoreWindows(STORE);
      const recs = [logged(sale(), 0, END + 50_000), logged(sale(), 1, END + cfg.graceMs + cfg.allowedLatenessMs + 10)];
      expect(apply(s1, recs, [], 0).outcomes).toEqual(apply(s2, recs, [], END + 10 * MINUTE_MS).outcomes);
    });

    it("a window holding only late events is never written", () => {
      const s = newStoreWindows(STORE);
      apply(s, [logged(sale(), 0, END + 10 * MINUTE_MS)]);
      expect(dueWrites(s, { streamTime: END + 10 * MINUTE_MS, now: END + 10 * MINUTE_MS }, cfg, true)).toEqual([]);
      expect(minDirtyOffset(s)).toBeNull();
    });
  });

  describe("closing", () => {
    it("isClosedBy: by stream time at end + grace, or by being caught up to the log end at end + grace + idle slack", () => {
      expect(isClosedBy(M, { streamTime: END + cfg.graceMs - 1, caughtUpAt: 0 }, cfg)).toBe(false);
      expect(isClosedBy(M, { streamTime: END + cfg.graceMs, caughtUpAt: 0 }, cfg)).toBe(true);
      expect(isClosedBy(M, { streamTime: 0, caughtUpAt: END + cfg.graceMs + cfg.idleSlackMs - 1 }, cfg)).toBe(false);
      expect(isClosedBy(M, { streamTime: 0, caughtUpAt: END + cfg.graceMs + cfg.idleSlackMs }, cfg)).toBe(true);
    });

    it("given a partition behind a backlog (not caught up), then the wall clock alone never closes its minute", () => {
      const s = newStoreWindows(STORE);
      apply(s, [logged(sale(), 0)], [], M);
      const late = END + 60 * MINUTE_MS;
      const rows = dueWrites(s, { streamTime: M + 2000, now: late, caughtUpAt: M + 2000 }, cfg);
      expect(rows.map((r) => r.provisional)).toEqual([true]);
      expect(closeDue(s, { streamTime: M + 2000, caughtUpAt: END + cfg.graceMs + cfg.idleSlackMs - 1 }, cfg)).toBe(0);
      expect(hasOpenWindows(s)).toBe(true);
      expect(closeDue(s, { streamTime: M + 2000, caughtUpAt: END + cfg.graceMs + cfg.idleSlackMs }, cfg)).toBe(1);
    });

    it("rowsToWrite only reads: asked twice without closeDue, an open window stays open", () => {
      const s = newStoreWindows(STORE);
      apply(s, [logged(sale(), 0)], [], M);
      const past = { streamTime: END + cfg.graceMs, caughtUpAt: 0, now: M };
      expect(rowsToWrite(s, past, cfg)).toEqual([]);
      expect(rowsToWrite(s, past, cfg)).toEqual([]);
      expect(hasOpenWindows(s)).toBe(true);
    });

    it("given an open dirty window within the checkpoint interval, then nothing is written; when stream time passes end + grace, the final row is", () => {
      const s = newStoreWindows(STORE);
      apply(s, [logged(sale(), 0)], [], M);
      expect(dueWrites(s, { streamTime: END + cfg.graceMs - 1, now: M + cfg.checkpointMs - 1 }, cfg)).toEqual([]);
      expect(hasOpenWindows(s)).toBe(true);
      const rows = dueWrites(s, { streamTime: END + cfg.graceMs, now: M + 1 }, cfg);
      expect(rows.map((r) => [r.provisional, r.revision])).toEqual([[false, 1]]);
      expect(hasOpenWindows(s)).toBe(false);
    });

    it("given a quiet store (stream time stuck) on a caught-up partition, then being caught up at end + grace + slack closes its last minute", () => {
      const s = newStoreWindows(STORE);
      apply(s, [logged(sale(), 0)], [], M);
      const stuck = M + 2000;
      expect(dueWrites(s, { streamTime: stuck, now: END + cfg.graceMs + cfg.idleSlackMs - 1 }, cfg).map((r) => r.provisional)).toEqual([true]);
      markWritten(s, [viewOf(s, EUR)!].map((v) => ({ ...v, revision: 1, eventIds: [] })), END + cfg.graceMs + cfg.idleSlackMs - 1);
      const rows = dueWrites(s, { streamTime: stuck, now: END + cfg.graceMs + cfg.idleSlackMs }, cfg);
      expect(rows.map((r) => [r.provisional, r.revision])).toEqual([[false, 2]]);
    });

    it("given a checkpointed (provisional) row with no new events, when the window closes, then it is rewritten final", () => {
      const s = newStoreWindows(STORE);
      apply(s, [logged(sale(), 0)], [], M);
      const cp = dueWrites(s, { streamTime: M, now: M + cfg.checkpointMs }, cfg);
      expect(cp.map((r) => [r.provisional, r.revision])).toEqual([[true, 1]]);
      markWritten(s, cp, M + cfg.checkpointMs);
      const fin = dueWrites(s, { streamTime: END + cfg.graceMs, now: M + cfg.checkpointMs + 1 }, cfg);
      expect(fin.map((r) => [r.provisional, r.revision, r.saleCount])).toEqual([[false, 2, 1]]);
      markWritten(s, fin, M + cfg.checkpointMs + 1);
      expect(dueWrites(s, { streamTime: END + cfg.graceMs + 5, now: END + 10 * MINUTE_MS }, cfg)).toEqual([]);
    });
  });

  describe("checkpoints, flushes and the commit bound", () => {
    it("a dirty open window is written provisional once checkpointMs has passed since its last write, then not again until it changes", () => {
      const s = newStoreWindows(STORE);
      apply(s, [logged(sale(), 4)], [], M);
      expect(dueWrites(s, { streamTime: M, now: M + cfg.checkpointMs - 1 }, cfg)).toEqual([]);
      const rows = dueWrites(s, { streamTime: M, now: M + cfg.checkpointMs }, cfg);
      expect(rows.map((r) => [r.provisional, r.revision, r.offset])).toEqual([[true, 1, 4]]);
      markWritten(s, rows, M + cfg.checkpointMs);
      expect(minDirtyOffset(s)).toBeNull();
      expect(dueWrites(s, { streamTime: M, now: M + 10 * cfg.checkpointMs }, cfg)).toEqual([]);
    });

    it("force writes every dirty window (provisional if still open) and nothing clean", () => {
      const s = newStoreWindows(STORE);
      apply(s, [logged(sale({ at: M }), 0), logged(sale({ at: END }), 1)], [], M);
      const rows = dueWrites(s, { streamTime: M, now: M }, cfg, true);
      expect(rows.map((r) => [r.minute, r.provisional])).toEqual([
        [M, true],
        [END, true],
      ]);
      markWritten(s, rows, M);
      expect(dueWrites(s, { streamTime: M, now: M }, cfg, true)).toEqual([]);
    });

    it("minDirtyOffset is the lowest offset applied since each window's last write, across windows", () => {
      const s = newStoreWindows(STORE);
      expect(minDirtyOffset(s)).toBeNull();
      apply(s, [logged(sale({ at: M }), 10), logged(sale({ at: END }), 11), logged(sale({ at: M }), 12)], [], M);
      expect(minDirtyOffset(s)).toBe(10);
      const rows = dueWrites(s, { streamTime: END + cfg.graceMs, now: M }, cfg); // closes M only
      expect(rows.map((r) => r.minute)).toEqual([M]);
      markWritten(s, rows, M);
      expect(minDirtyOffset(s)).toBe(11);
      apply(s, [logged(sale({ at: M }), 13)]);
      expect(minDirtyOffset(s)).toBe(11);
      markWritten(s, dueWrites(s, { streamTime: END, now: M }, cfg, true), M);
      expect(minDirtyOffset(s)).toBeNull();
    });

    it("given a window that changed after its rows were taken, then markWritten leaves it dirty", () => {
      const s = newStoreWindows(STORE);
      apply(s, [logged(sale(), 1)], [], M);
      const rows = dueWrites(s, { streamTime: M, now: M }, cfg, true);
      apply(s, [logged(sale(), 2)]);
      markWritten(s, rows, M);
      expect(minDirtyOffset(s)).not.toBeNull();
      expect(minDirtyOffset(s)!).toBeLessThanOrEqual(2);
    });

    it("late events held by the actor until recorded hold back the commit; recording them releases it", () => {
      const s = newStoreWindows(STORE);
      apply(s, [logged(sale(), 1)], [], M);
      markWritten(s, dueWrites(s, { streamTime: M, now: M }, cfg, true), M);
      const r = apply(s, [logged(sale(), 4, END + 10 * MINUTE_MS), logged(sale(), 6, END + 10 * MINUTE_MS)]);
      s.pendingLate.push(...r.late);
      expect(minDirtyOffset(s)).toBe(4);
      markLateRecorded(s, r.late.slice(0, 1));
      expect(minDirtyOffset(s)).toBe(6);
      markLateRecorded(s, r.late);
      expect(minDirtyOffset(s)).toBeNull();
    });

    it("duplicates, replays and late events do not make a window dirty", () => {
      const s = newStoreWindows(STORE);
      const e = sale();
      apply(s, [logged(e, 1)], [], M);
      const written = dueWrites(s, { streamTime: M, now: M }, cfg, true);
      markWritten(s, written, M);
      apply(s, [logged(e, 2), logged(sale(), 3, END + 10 * MINUTE_MS)], written);
      expect(minDirtyOffset(s)).toBeNull();
    });
  });

  describe("eviction", () => {
    it("evicts only windows that are closed, written and past end + grace + idle slack + allowed lateness", () => {
      const s = newStoreWindows(STORE);
      apply(s, [logged(sale({ at: M }), 0), logged(sale({ at: END }), 1)], [], M);
      const horizon = END + cfg.graceMs + cfg.idleSlackMs + cfg.allowedLatenessMs;
      // M closed but not written yet: kept whatever the time.
      dueWrites(s, { streamTime: END + cfg.graceMs, now: M }, cfg);
      expect(evictSettled(s, horizon + MINUTE_MS * 10, cfg)).toBe(0);
      const rows = dueWrites(s, { streamTime: END + cfg.graceMs, now: M }, cfg, true);
      markWritten(s, rows, M);
      expect(evictSettled(s, horizon, cfg)).toBe(0);
      expect(evictSettled(s, horizon + 1, cfg)).toBe(1); // the minute after M is still open
      expect([...s.windows.keys()]).toEqual([windowKey(END, "EUR")]);
      expect(missingWindows(s, [logged(sale({ at: M }), 2)])).toEqual([{ minute: M, currency: "EUR" }]);
    });

    it("given an evicted window reloaded from its row, then totals, ids and revision carry on", () => {
      const s = newStoreWindows(STORE);
      apply(s, [logged(sale(), 0), logged(sale(), 1)], [], M);
      const rows = dueWrites(s, { streamTime: END + cfg.graceMs, now: END + cfg.graceMs }, cfg);
      markWritten(s, rows, END + cfg.graceMs);
      evictSettled(s, END + 10 * MINUTE_MS, cfg);
      expect(s.windows.size).toBe(0);
      const r = apply(s, [logged(sale(), 2, END + cfg.graceMs + cfg.allowedLatenessMs)], rows, END + 10 * MINUTE_MS);
      expect(r.outcomes).toEqual(["applied"]);
      const [row] = dueWrites(s, { streamTime: 0, now: END + 10 * MINUTE_MS }, cfg);
      expect(row).toMatchObject({ saleCount: 3, revision: 2, provisional: false, offset: 2 });
    });
  });

  describe("against the reference recomputation", () => {
    it("property: any events applied in any batch split equal recomputeWindows of the same events", () => {
      const eventArb = fc.record({
        minute: fc.integer({ min: 0, max: 3 }),
        second: fc.integer({ min: 0, max: 59 }),
        currency: fc.constantFrom("EUR", "USD"),
        type: fc.constantFrom("sale", "sale", "refund"),
        quantity: fc.integer({ min: 1, max: 5 }),
        price: fc.integer({ min: 0, max: 10_000 }),
        dupOf: fc.option(fc.nat(), { freq: 4 }),
        appendDelay: fc.integer({ min: 0, max: 5 * MINUTE_MS }),
      });
      fc.assert(
        fc.property(fc.array(eventArb, { maxLength: 40 }), fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1 }), (specs, cuts) => {
          const events: SaleEvent[] = [];
          const recs: LoggedEvent[] = specs.map((sp, i) => {
            const e =
              sp.dupOf !== null && events.length > 0
                ? events[sp.dupOf % events.length]!
                : sale({ at: M + sp.minute * MINUTE_MS + sp.second * 1000, currency: sp.currency, type: sp.type as "sale" | "refund", lines: [{ quantity: sp.quantity, unitPriceMinor: sp.price }] });
            events.push(e);
            return logged(e, i, e.occurredAtMs + sp.appendDelay);
          });
          const s = newStoreWindows(STORE);
          let i = 0;
          for (let c = 0; i < recs.length; c++) {
            const n = cuts[c % cuts.length]!;
            apply(s, recs.slice(i, i + n), [], M);
            i += n;
          }
          const expected = recomputeWindows(recs, cfg).windows;
          const actual = [...s.windows.values()].filter((w) => w.offset >= 0);
          expect(actual.length).toBe(expected.length);
          for (const w of expected) {
            const v = viewOf(s, windowKey(w.minute, w.currency))!;
            expect({ ...w.totals, offset: w.offset }).toEqual({
              saleCount: v.saleCount,
              refundCount: v.refundCount,
              grossMinor: v.grossMinor,
              refundMinor: v.refundMinor,
              itemCount: v.itemCount,
              firstEventAt: v.firstEventAt,
              lastEventAt: v.lastEventAt,
              offset: v.offset,
            });
          }
        }),
        { numRuns: 200 },
      );
    });

    it("property: with colliding id fingerprints, checkpoints and reloads at any point, the totals still equal recomputeWindows, and stored ids are read only to settle a match", () => {
      const eventArb = fc.record({
        minute: fc.integer({ min: 0, max: 2 }),
        second: fc.integer({ min: 0, max: 59 }),
        currency: fc.constantFrom("EUR", "USD"),
        dupOf: fc.option(fc.nat(), { freq: 3 }),
        price: fc.integer({ min: 0, max: 1000 }),
      });
      const stepArb = fc.record({ take: fc.integer({ min: 1, max: 5 }), write: fc.boolean(), reload: fc.boolean() });
      fc.assert(
        fc.property(fc.array(eventArb, { maxLength: 50 }), fc.array(stepArb, { minLength: 1 }), fc.integer({ min: 1, max: 4 }), (specs, steps, buckets) => {
          const events: SaleEvent[] = [];
          const recs = specs.map((sp, i) => {
            const e = sp.dupOf !== null && events.length > 0 ? events[sp.dupOf % events.length]! : sale({ at: M + sp.minute * MINUTE_MS + sp.second * 1000, currency: sp.currency, lines: [{ quantity: 1, unitPriceMinor: sp.price }] });
            events.push(e);
            return logged(e, i);
          });
          // The projection as a store keeps it: a row written with idsFrom appends its ids after that many.
          const stored = new Map<number, MinuteRow>();
          const store = (rows: MinuteRow[]) => {
            for (const r of rows) {
              const k = windowKey(r.minute, r.currency);
              const before = stored.get(k)?.eventIds ?? [];
              stored.set(k, { ...r, eventIds: r.idsFrom ? [...before.slice(0, r.idsFrom), ...r.eventIds] : [...r.eventIds] });
            }
          };
          const s = newStoreWindows(STORE, (id) => id.charCodeAt(id.length - 1) % buckets);
          let i = 0;
          for (let c = 0; i < recs.length; c++) {
            const step = steps[c % steps.length]!;
            const batch = recs.slice(i, i + step.take);
            installWindows(s, missingWindows(s, batch), [...stored.values()], M);
            let r = applyEvents(s, batch, cfg);
            while (r.needsStoredIds) {
              const k = windowKey(r.needsStoredIds.minute, r.needsStoredIds.currency);
              expect(stored.get(k)?.eventIds.length ?? 0).toBeGreaterThan(0);
              learnStoredIds(s, r.needsStoredIds, stored.get(k)!.eventIds);
              r = applyEvents(s, batch, cfg, r);
            }
            expect(r.outcomes.length).toBe(batch.length);
            if (step.write || step.reload) {
              const rows = rowsToWrite(s, { streamTime: M, caughtUpAt: 0, now: M }, cfg, true);
              store(rows);
              markWritten(s, rows, M);
            }
            if (step.reload) s.windows.clear();
            i += step.take;
          }
          const expected = recomputeWindows(recs, cfg).windows;
          for (const w of expected) {
            const v = viewOf(s, windowKey(w.minute, w.currency)) ?? stored.get(windowKey(w.minute, w.currency))!;
            expect({ saleCount: v.saleCount, grossMinor: v.grossMinor, firstEventAt: v.firstEventAt, lastEventAt: v.lastEventAt }).toEqual({
              saleCount: w.totals.saleCount,
              grossMinor: w.totals.grossMinor,
              firstEventAt: w.totals.firstEventAt,
              lastEventAt: w.totals.lastEventAt,
            });
          }
          const rows = rowsToWrite(s, { streamTime: M, caughtUpAt: 0, now: M }, cfg, true);
          store(rows);
          for (const w of expected) expect(new Set(stored.get(windowKey(w.minute, w.currency))!.eventIds).size).toBe(w.totals.saleCount);
        }),
        { numRuns: 300 },
      );
    });
  });
});

describe("windowKey", () => {
  it("is a distinct number per (minute, currency) and refuses what is not a window", () => {
    const keys = new Set<number>();
    for (const minute of [0, M, END, -MINUTE_MS, Date.UTC(9999, 11, 31, 23, 59)]) for (const c of ["AAA", "EUR", "USD", "ZZZ", "ZZY"]) keys.add(windowKey(minute, c));
    expect(keys.size).toBe(25);
    expect(() => windowKey(M, "eur")).toThrow(/currency "eur"/);
    expect(() => windowKey(M + 1, "EUR")).toThrow(/not a window/);
  });
});
