import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isoMinute, MINUTE_MS, minuteOf, msIntoMinute, small, timeInMinute, utcDay } from "./time.ts";

describe("time helpers", () => {
  it("minuteOf gives the start of the UTC minute: [m, m + 60 s)", () => {
    const m = Date.UTC(2026, 10, 27, 10, 15);
    expect(minuteOf(m)).toBe(m);
    expect(minuteOf(m + 1)).toBe(m);
    expect(minuteOf(m + 59_999)).toBe(m);
    expect(minuteOf(m + 60_000)).toBe(m + MINUTE_MS);
    expect(minuteOf(m - 1)).toBe(m - MINUTE_MS);
  });

  it("an instant written with an offset falls in the UTC minute of that instant", () => {
    expect(minuteOf(Date.parse("2026-11-27T12:15:59.999+02:00"))).toBe(Date.UTC(2026, 10, 27, 10, 15));
    expect(minuteOf(Date.parse("2026-11-27T05:46:00-04:30"))).toBe(Date.UTC(2026, 10, 27, 10, 16));
  });

  it("rounds down before the epoch too", () => {
    expect(minuteOf(-1)).toBe(-MINUTE_MS);
    expect(minuteOf(-MINUTE_MS)).toBe(-MINUTE_MS);
  });

  it("property: minuteOf(t) is minute-aligned, ≤ t, within 60 s, and idempotent", () => {
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (t) => {
        const m = minuteOf(t);
        expect(m % MINUTE_MS === 0).toBe(true);
        expect(m <= t && t < m + MINUTE_MS).toBe(true);
        expect(minuteOf(m)).toBe(m);
      }),
    );
  });

  it("isoMinute and utcDay are UTC", () => {
    const m = Date.UTC(2026, 11, 31, 23, 59);
    expect(isoMinute(m)).toBe("2026-12-31T23:59:00.000Z");
    expect(utcDay(m)).toBe("2026-12-31");
    expect(utcDay(m + MINUTE_MS)).toBe("2027-01-01");
  });

  it("an event time round-trips through ms into its minute; none is -1; a time outside the minute is refused", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: MINUTE_MS - 1 }), (n, ms) => {
        const minute = n * MINUTE_MS;
        const encoded = msIntoMinute(minute, minute + ms);
        expect(encoded).toBe(ms);
        expect(timeInMinute(minute, encoded!)).toBe(minute + ms);
      }),
    );
    const m = Date.UTC(2026, 11, 31, 23, 59);
    expect(msIntoMinute(m, null)).toBe(-1);
    expect(timeInMinute(m, -1)).toBeNull();
    expect(msIntoMinute(m, m - 1)).toBeUndefined();
    expect(msIntoMinute(m, m + MINUTE_MS)).toBeUndefined();
    expect(small(2 ** 31)).toBe(2 ** 31);
    expect(small(-0)).toBe(0);
  });
});
