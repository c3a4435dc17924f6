import { describe, expect, it } from "vitest";
import { settledBefore, wholeMinutes } from "./closed-window.ts";
import { rollupRange } from "./rollup-range.ts";
import { retentionCutoffs } from "./retention-plan.ts";

const cfg = { graceMs: 5000, idleSlackMs: 5000, allowedLatenessMs: 600_000 };

describe("settledBefore", () => {
  it("a minute is settled once end + grace + idle slack + allowed lateness has passed", () => {
    const m = Date.parse("2026-11-27T10:00:00Z");
    expect(settledBefore(m + 60_000 + 610_000 - 1, cfg)).toBe(m);
    expect(settledBefore(m + 60_000 + 610_000, cfg)).toBe(m + 60_000);
  });
  it("wholeMinutes widens to whole minutes", () => {
    expect(wholeMinutes(Date.parse("2026-11-27T10:00:30Z"), Date.parse("2026-11-27T10:02:10Z"))).toEqual({ from: Date.parse("2026-11-27T10:00:00Z"), to: Date.parse("2026-11-27T10:03:00Z") });
  });
});

describe("rollupRange", () => {
  const now = Date.parse("2026-11-27T10:20:00Z");
  it("defaults to the previous and the current hour, or yesterday and today", () => {
    expect(rollupRange("hours", now)).toEqual({ grain: "hours", from: new Date("2026-11-27T09:00:00Z"), to: new Date("2026-11-27T11:00:00Z") });
    expect(rollupRange("days", now)).toEqual({ grain: "days", fromDay: "2026-11-26", toDay: "2026-11-28" });
  });
  it("widens given instants to whole hours and accepts dates for days", () => {
    expect(rollupRange("hours", now, "2026-11-27T08:30:00Z", "2026-11-27T09:10:00+01:00")).toEqual({ grain: "hours", from: new Date("2026-11-27T08:00:00Z"), to: new Date("2026-11-27T09:00:00Z") });
    expect(rollupRange("days", now, "2026-11-01", "2026-11-03")).toEqual({ grain: "days", fromDay: "2026-11-01", toDay: "2026-11-03" });
  });
  it("refuses bad or empty ranges with a message naming the flag", () => {
    expect(() => rollupRange("days", now, "2026-02-30", "2026-03-02")).toThrow(/--from "2026-02-30": expected a calendar date/);
    expect(() => rollupRange("hours", now, "yesterday")).toThrow(/--from "yesterday"/);
    expect(() => rollupRange("days", now, "2026-11-03", "2026-11-01")).toThrow(/before --to/);
    expect(() => rollupRange("days", now, "2020-01-01", "2026-01-01")).toThrow(/at most 400 days/);
  });
});

describe("retentionCutoffs", () => {
  it("cuts at whole UTC days back from today", () => {
    const c = retentionCutoffs(Date.parse("2026-11-27T10:20:00Z"), { rawDays: 90, lateDays: 180, ingestIdDays: 7 });
    expect(c.raw.toISOString()).toBe("2026-08-29T00:00:00.000Z");
    expect(c.ingestIds.toISOString()).toBe("2026-11-20T00:00:00.000Z");
  });
  it("refuses zero or fractional days", () => {
    expect(() => retentionCutoffs(0, { rawDays: 0, lateDays: 1, ingestIdDays: 1 })).toThrow(/--raw-days 0/);
    expect(() => retentionCutoffs(0, { rawDays: 1, lateDays: 1.5, ingestIdDays: 1 })).toThrow(/--late-days 1.5/);
  });
});
