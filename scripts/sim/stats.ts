/** Latency samples (ms) and percentiles; a run of hours at high rate keeps at most `cap` samples (reservoir). */
export class Latencies {
  private samples: number[] = [];
  private seen = 0;

  constructor(private readonly cap = 1_000_000) {}

  add(ms: number): void {
    this.seen++;
    if (this.samples.length < this.cap) this.samples.push(ms);
    else {
      const j = Math.floor(Math.random() * this.seen);
      if (j < this.cap) this.samples[j] = ms;
    }
  }

  get count(): number {
    return this.seen;
  }

  percentile(p: number): number | null {
    if (this.samples.length === 0) return null;
    const sorted = Float64Array.from(this.samples).sort();
    const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
    return sorted[i]!;
  }
}

export function fmtMs(v: number | null): string {
  return v === null ? "–" : v < 10 ? v.toFixed(2) : v.toFixed(1);
}
