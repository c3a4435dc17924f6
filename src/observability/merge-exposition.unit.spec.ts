import { describe, expect, it } from "vitest";
import { mergeExposition } from "./merge-exposition.ts";

const main = `# HELP c_total Counted
# TYPE c_total counter
c_total{outcome="a"} 2
# HELP g Gauge
# TYPE g gauge
g 7
# HELP h Latency
# TYPE h histogram
h_bucket{le="1"} 1
h_bucket{le="+Inf"} 2
h_sum 3
h_count 2
`;
const worker = `# HELP c_total Counted
# TYPE c_total counter
c_total{outcome="a"} 5
c_total{outcome="b"} 1
# HELP g Gauge
# TYPE g gauge
g 3
# HELP h Latency
# TYPE h histogram
h_bucket{le="1"} 4
h_bucket{le="+Inf"} 4
h_sum 0.5
h_count 4
# HELP only_worker Worker only
# TYPE only_worker gauge
only_worker 9
`;

describe("mergeExposition", () => {
  const merged = mergeExposition(main, worker);
  const value = (series: string) => Number(merged.split("\n").find((l) => l.startsWith(`${series} `))?.split(" ")[1]);

  it("sums counters and histogram series, keeps the larger gauge", () => {
    expect(value('c_total{outcome="a"}')).toBe(7);
    expect(value('c_total{outcome="b"}')).toBe(1);
    expect(value('h_bucket{le="1"}')).toBe(5);
    expect(value('h_bucket{le="+Inf"}')).toBe(6);
    expect(value("h_sum")).toBe(3.5);
    expect(value("h_count")).toBe(6);
    expect(value("g")).toBe(7);
    expect(value("only_worker")).toBe(9);
  });

  it("names every family once", () => {
    expect(merged.match(/^# TYPE c_total /gm)).toHaveLength(1);
    expect(merged.match(/^# HELP h /gm)).toHaveLength(1);
    expect(merged.match(/^# TYPE h_bucket/gm)).toBeNull();
  });
});
