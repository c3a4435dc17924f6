import { describe, expect, it } from "vitest";
import { emptyTotals, type MinuteTotals } from "../domain/minute-row.ts";
import type { ExpectedWindow } from "../domain/recompute.ts";
import { writeTimestamp } from "../projections/cassandra/cassandra-minute-projection.ts";
import { planPartitionTotals, planTarget, REPAIR_REVISION, repairRow, type StoredWindow } from "./reconcile-plan.ts";

const M = Date.parse("2026-11-27T10:15:00Z");
const totals = (sales: number, gross: number, refunds = 0, refundMinor = 0): MinuteTotals => ({ ...emptyTotals(), saleCount: sales, grossMinor: gross, refundCount: refunds, refundMinor, itemCount: sales });
const expected = (storeId: string, t: MinuteTotals, offset = 10, partition = 1): ExpectedWindow => ({ storeId, minute: M, currency: "EUR", totals: t, eventIds: ["e1"], partition, offset });
const stored = (storeId: string, t: MinuteTotals, over: Partial<StoredWindow> = {}): StoredWindow => ({ storeId, minute: M, currency: "EUR", ...t, partition: 1, offset: 10, revision: 3, provisional: false, ...over });

describe("planTarget", () => {
  it("given rows equal to the truth, when planned, then nothing is reported or written", () => {
    const p = planTarget("cassandra", [expected("s1", totals(2, 500))], [stored("s1", totals(2, 500))], new Map());
    expect(p).toEqual({ mismatches: [], writes: [] });
  });

  it("given a differing, a missing and a provisional row, then all three are repaired whole and reported", () => {
    const p = planTarget(
      "cassandra",
      [expected("s1", totals(2, 500)), expected("s2", totals(1, 100)), expected("s3", totals(1, 300))],
      [stored("s1", totals(2, 600)), stored("s3", totals(1, 300), { provisional: true })],
      new Map([["s2|" + M + "|EUR", 1]]),
    );
    expect(p.mismatches.map((m) => [m.storeId, m.kind, m.lateEvents, m.repair])).toEqual([
      ["s1", "differs", 0, true],
      ["s2", "missing", 1, true],
      ["s3", "differs", 0, true],
    ]);
    expect(p.mismatches[0]!.expected!.netMinor).toBe(500);
    expect(p.mismatches[0]!.actual!.netMinor).toBe(600);
    expect(p.writes.map((w) => [w.storeId, w.grossMinor, w.provisional])).toEqual([
      ["s1", 500, false],
      ["s2", 100, false],
      ["s3", 300, false],
    ]);
  });

  it("given a stored row with no events in raw history, then it is reported as unexpected and not erased", () => {
    const p = planTarget("minute_totals", [], [stored("ghost", totals(1, 100))], new Map());
    expect(p.mismatches).toMatchObject([{ storeId: "ghost", kind: "unexpected", repair: false }]);
    expect(p.writes).toEqual([]);
  });

  it("given two Cassandra copies of a window where one was tampered with, then the window is reported", () => {
    const p = planTarget("cassandra", [expected("s1", totals(2, 500))], [stored("s1", totals(2, 500)), stored("s1", totals(2, 900), { revision: 1 })], new Map());
    expect(p.mismatches).toHaveLength(1);
    expect(p.writes[0]!.revision).toBeGreaterThan(3);
  });

  it("when replaying (rewrite all), then every expected window is written even if equal", () => {
    expect(planTarget("cassandra", [expected("s1", totals(2, 500))], [stored("s1", totals(2, 500))], new Map(), true).writes).toHaveLength(1);
  });
});

describe("repairRow versions", () => {
  it("wins over the processor's row at the same offset and over a tombstone at its timestamp", () => {
    const processorRow = { offset: 10, revision: 7 };
    const r = repairRow(expected("s1", totals(1, 1)), processorRow);
    expect(writeTimestamp(r)).toBeGreaterThan(writeTimestamp(processorRow));
    expect(r.revision).toBe(REPAIR_REVISION);
    expect(repairRow(expected("s1", totals(1, 1)), undefined).revision).toBe(REPAIR_REVISION);
  });

  it("a later repair of a repaired row wins again; a late event's higher offset is kept", () => {
    const once = repairRow(expected("s1", totals(1, 1)), { offset: 10, revision: 2 });
    const twice = repairRow(expected("s1", totals(1, 1)), once);
    expect(writeTimestamp(twice)).toBeGreaterThan(writeTimestamp(once));
    expect(repairRow(expected("s1", totals(1, 1), 42), { offset: 10, revision: 1 }).offset).toBe(42);
    expect(repairRow(expected("s1", totals(1, 1), 5), { offset: 10, revision: 1 }).offset).toBe(10);
  });
});

describe("planPartitionTotals", () => {
  it("rewrites a partition aggregate that differs from the sum of the expected windows, at a higher version", () => {
    const windows = [expected("s1", totals(2, 500)), expected("s2", totals(1, 100), 12)];
    const good = { partition: 1, minute: M, currency: "EUR", ...totals(3, 600), provisional: false, version: 2 * (11 + 13) + 1 };
    expect(planPartitionTotals(windows, [good], []).writes).toEqual([]);
    const bad = { ...good, grossMinor: 700 };
    const p = planPartitionTotals(windows, [bad], []);
    expect(p.mismatches).toMatchObject([{ target: "partition_totals", storeId: "partition:1", kind: "differs" }]);
    expect(p.writes).toMatchObject([{ grossMinor: 600, saleCount: 3, version: good.version + 2 }]);
  });
});
