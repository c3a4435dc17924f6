/**
 * The server's latency histograms as the soak reads them: cumulative bucket counts from /metrics,
 * taken twice, so that what happened between the two reads (after warm-up) can be told apart from
 * start-up.
 */

/** Cumulative count per upper bound (seconds; +Inf last), summed over every series of the metric that matches `labels`. */
export type Buckets = Map<number, number>;

export function parseBuckets(exposition: string, metric: string, labels: Record<string, string> = {}): Buckets {
  const out: Buckets = new Map();
  const prefix = `${metric}_bucket{`;
  for (const line of exposition.split("\n")) {
    if (!line.startsWith(prefix)) continue;
    const close = line.lastIndexOf("}");
    const labelText = line.slice(prefix.length, close);
    if (!Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) continue;
    const le = /le="([^"]+)"/.exec(labelText)?.[1];
    if (le === undefined) continue;
    const bound = le === "+Inf" ? Infinity : Number(le);
    out.set(bound, (out.get(bound) ?? 0) + Number(line.slice(close + 1).trim()));
  }
  return new Map([...out].sort((a, b) => a[0] - b[0]));
}

/** The counts added between two reads of one histogram. */
export function bucketDelta(before: Buckets, after: Buckets): Buckets {
  return new Map([...after].map(([le, n]) => [le, n - (before.get(le) ?? 0)]));
}

export interface BucketSummary {
  n: number;
  /** The smallest bucket bound at or under which this share of the observations fell (seconds), per percentile. */
  p50: number;
  p90: number;
  p99: number;
  /** Share of the observations above `over` seconds (a bucket bound). */
  shareOver: number;
}

export function summarize(b: Buckets, over: number): BucketSummary {
  const n = b.get(Infinity) ?? 0;
  const bound = (q: number) => {
    for (const [le, count] of b) if (count >= q * n) return le;
    return Infinity;
  };
  const atOrUnder = b.get(over);
  return { n, p50: bound(0.5), p90: bound(0.9), p99: bound(0.99), shareOver: n && atOrUnder !== undefined ? (n - atOrUnder) / n : NaN };
}
