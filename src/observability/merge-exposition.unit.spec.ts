import { describe, expect, it } from "vitest";
import { mergeExposition } from "./merge-exposition.ts";

/** A thread's exposition of the three families both threads have: a counter, a gauge and a histogram. */
function exposition(counter: Record<string, number>, gauge: number, h: { le1: number; inf: number; sum: number; count: number }, extra = ""): string {
  const counterLines = Object.entries(counter).map(([outcome, n]) => `c_total{outcome="${outcome}"} ${n}`);
  return [
    "# HELP c_total Counted",
    "# TYPE c_total counter",
    ...counterLines,
    "# HELP g Gauge",
    "# TYPE g gauge",
    `g ${gauge}`,
    "# HELP h Latency",
    "# TYPE h histogram",
    `h_bucket{le="1"} ${h.le1}`,
    `h_bucket{le="+Inf"} ${h.inf}`,
    `h_sum ${h.sum}`,
    `h_count ${h.count}`,
    extra,
  ].join("\n");
}

const main = exposition({ a: 2 }, 7, { le1: 1, inf: 2, sum: 3, count: 2 });
const worker = exposition({ a: 5, b: 1 }, 3, { le1: 4, inf: 4, sum: 0.5, count: 4 }, "# HELP only_worker Worker only\n# TYPE only_worker gauge\nonly_worker 9\n");

describe("mergeExposition", () => {
  const merged = mergeExposition(main, worker);
  const value = (series: string) => Number(merged.split("\n").find((l) => l.startsWith(`${series} `))?.split(" ")[1]);

  it.each([
    ['c_total{outcome="a"}', 7, "counters are summed"],
    ['c_total{outcome="b"}', 1, "a series one thread lacks is kept"],
    ['h_bucket{le="1"}', 5, "histogram buckets are summed"],
    ['h_bucket{le="+Inf"}', 6, "histogram buckets are summed"],
    ["h_sum", 3.5, "histogram sums are summed"],
    ["h_count", 6, "histogram counts are summed"],
    ["g", 7, "the larger gauge is kept"],
    ["only_worker", 9, "a family one thread lacks is kept"],
  ])("%s = %d: %s", (series, expected) => {
    expect(value(series)).toBe(expected);
  });

  it("names every family once", () => {
    expect(merged.match(/^# TYPE c_total /gm)).toHaveLength(1);
    expect(merged.match(/^# HELP h /gm)).toHaveLength(1);
    expect(merged.match(/^# TYPE h_bucket/gm)).toBeNull();
  });
});
