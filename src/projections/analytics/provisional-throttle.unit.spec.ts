import { describe, expect, it } from "vitest";
import type { MinuteRow } from "../../domain/minute-row.ts";
import { ProvisionalThrottle } from "./provisional-throttle.ts";

const row = (storeId: string, offset: number, provisional = true, currency = "EUR"): MinuteRow => ({
  storeId, minute: 60_000 * 500, currency, saleCount: 1, refundCount: 0, grossMinor: 100, refundMinor: 0, itemCount: 1,
  firstEventAt: null, lastEventAt: null, partition: 0, offset, revision: 1, provisional, eventIds: [],
});
const offsets = (rows: readonly MinuteRow[]) => rows.map((r) => `${r.storeId}/${r.currency}@${r.offset}`);

describe("which provisional rows the changelog announces", () => {
  it("a window's first provisional row, then the first one at least the interval after the last announced", () => {
    const t = new ProvisionalThrottle(10_000);
    expect(offsets(t.select([row("a", 1)], 0))).toEqual(["a/EUR@1"]);
    expect(offsets(t.select([row("a", 2)], 9_999))).toEqual([]);
    expect(offsets(t.select([row("a", 3)], 10_000))).toEqual(["a/EUR@3"]);
    expect(offsets(t.select([row("a", 4)], 15_000))).toEqual([]);
  });

  it("keeps the windows of other stores and currencies apart", () => {
    const t = new ProvisionalThrottle(10_000);
    t.select([row("a", 1)], 0);
    expect(offsets(t.select([row("a", 2), row("b", 2), row("a", 3, true, "USD")], 1000))).toEqual(["b/EUR@2", "a/USD@3"]);
  });

  it("announces a final row at once, and the window's next provisional row (a late correction reopening nothing) is new again", () => {
    const t = new ProvisionalThrottle(10_000);
    t.select([row("a", 1)], 0);
    expect(offsets(t.select([row("a", 2, false)], 1000))).toEqual(["a/EUR@2"]);
    expect(offsets(t.select([row("a", 3)], 2000))).toEqual(["a/EUR@3"]);
  });

  it("forgets windows not announced within the interval, so it holds no more than the windows written lately", () => {
    const t = new ProvisionalThrottle(10_000);
    t.select(Array.from({ length: 500 }, (_, i) => row(`s${i}`, i)), 0);
    expect(t.size).toBe(500);
    t.select([row("late", 1)], 20_000);
    expect(t.size).toBe(1);
  });

  it("passes every row through with an interval of 0", () => {
    const t = new ProvisionalThrottle(0);
    const rows = [row("a", 1), row("a", 2)];
    expect(t.select(rows, 0)).toBe(rows);
    expect(t.size).toBe(0);
  });
});
