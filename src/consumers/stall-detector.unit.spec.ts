import { describe, expect, it } from "vitest";
import { describeStalls, StallDetector } from "./stall-detector.ts";

const at = (group: string, partition: number, end: number, committed: number) => ({ group, partition, end, committed });

describe("StallDetector", () => {
  it("reports a partition with lag whose committed offset has not moved for longer than the limit", () => {
    const d = new StallDetector(10_000);
    d.observe([at("w", 0, 100, 50), at("w", 1, 10, 10)], 0);
    d.observe([at("w", 0, 120, 50), at("w", 1, 10, 10)], 10_000);
    expect(d.stalled(10_000)).toEqual([]);
    d.observe([at("w", 0, 130, 50), at("w", 1, 10, 10)], 10_001);
    expect(d.stalled(10_001)).toEqual([{ group: "w", partition: 0, lag: 80, stalledForMs: 10_001 }]);
    expect(describeStalls(d.stalled(10_001))).toBe("error: 1 stalled partition(s): group w partition 0 lag 80 without progress for 10 s");
  });

  it("a moving committed offset is progress, however large the lag", () => {
    const d = new StallDetector(1000);
    for (let t = 0; t <= 10_000; t += 500) d.observe([at("h", 2, 1_000_000 + t, t)], t);
    expect(d.stalled(10_000)).toEqual([]);
  });

  it("a partition without lag is never stalled, and a stall clears once the offset moves", () => {
    const d = new StallDetector(1000);
    d.observe([at("w", 0, 5, 5)], 0);
    d.observe([at("w", 0, 5, 5)], 60_000);
    expect(d.stalled(60_000)).toEqual([]);
    d.observe([at("w", 0, 6, 5)], 60_001);
    d.observe([at("w", 0, 6, 5)], 62_000);
    expect(d.stalled(62_000).map((s) => s.partition)).toEqual([0]);
    d.observe([at("w", 0, 6, 6)], 62_001);
    expect(d.stalled(70_000)).toEqual([]);
    expect(describeStalls([])).toBe("none");
  });

  it("keeps groups apart", () => {
    const d = new StallDetector(1000);
    d.observe([at("windows", 0, 10, 0), at("history", 0, 10, 0)], 0);
    d.observe([at("windows", 0, 10, 5), at("history", 0, 10, 0)], 2000);
    expect(d.stalled(2000).map((s) => s.group)).toEqual(["history"]);
  });
});
