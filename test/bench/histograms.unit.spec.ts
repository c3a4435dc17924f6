import { describe, expect, it } from "vitest";
import { bucketDelta, parseBuckets, summarize } from "../../bench/cluster/histograms.ts";
import { createMetrics } from "../../src/observability/metrics.ts";

describe("the soak's reading of the server's histograms", () => {
  it("reads what happened between two /metrics reads, per phase, from the server's own exposition", async () => {
    const m = createMetrics();
    for (let i = 0; i < 50; i++) m.batchWaitSeconds.observe(0.002); // warm-up: fast
    m.batchSeconds.observe(2, { phase: "sweep" });
    const before = await m.registry.render();
    for (let i = 0; i < 90; i++) m.batchWaitSeconds.observe(0.02);
    for (let i = 0; i < 9; i++) m.batchWaitSeconds.observe(0.4);
    m.batchWaitSeconds.observe(3);
    m.batchSeconds.observe(0.003, { phase: "stores" });
    m.batchSeconds.observe(0.3, { phase: "sweep" });
    const after = await m.registry.render();

    const wait = summarize(bucketDelta(parseBuckets(before, "intraday_batch_wait_seconds"), parseBuckets(after, "intraday_batch_wait_seconds")), 0.25);
    expect(wait).toEqual({ n: 100, p50: 0.025, p90: 0.025, p99: 0.5, shareOver: 0.1 });

    const sweep = summarize(bucketDelta(parseBuckets(before, "intraday_batch_seconds", { phase: "sweep" }), parseBuckets(after, "intraday_batch_seconds", { phase: "sweep" })), 0.25);
    expect(sweep).toMatchObject({ n: 1, p99: 0.5, shareOver: 1 });
    const stores = summarize(parseBuckets(after, "intraday_batch_seconds", { phase: "stores" }), 0.25);
    expect(stores).toMatchObject({ n: 1, p50: 0.005, shareOver: 0 });
  });

  it("sums a metric's series (the worker threads' merged in) and knows an empty histogram", () => {
    const text = ['x_bucket{le="0.1",thread="a"} 1', 'x_bucket{le="+Inf",thread="a"} 2', 'x_bucket{le="0.1",thread="b"} 3', 'x_bucket{le="+Inf",thread="b"} 3', "y_bucket{le=\"1\"} 9"].join("\n");
    expect([...parseBuckets(text, "x")]).toEqual([[0.1, 4], [Infinity, 5]]);
    expect(summarize(parseBuckets(text, "z"), 0.1)).toMatchObject({ n: 0, p99: Infinity });
  });
});
