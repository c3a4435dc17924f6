import type { PartitionTick } from "../../live/ports.ts";
import type { FeedAllStoresMinute, MinuteQueries } from "../../projections/queries.ts";
import { MINUTE_MS } from "../../domain/time.ts";

const ERROR_BACKOFF_MS = 1000;

/**
 * All-stores totals per (minute, currency) for the feed, driven by the partition ticks the
 * pipeline already publishes: a partition tick marks its minute changed, and the minute's total is
 * then read the way REST reads it (at most PARTITIONS stored aggregates, overlaid with the live
 * ones), so it is right even for partitions that have not ticked since a restart. Coalesced like
 * store ticks: the first change after a quiet spell at once, then at most one read per interval.
 */
export class AllStoresUpdates {
  private readonly dirty = new Set<number>();
  private timer: NodeJS.Timeout | null = null;
  private lastRun = -Infinity;
  private running = false;
  private closed = false;

  constructor(
    private readonly queries: Pick<MinuteQueries, "allMinutesWithVersion">,
    private readonly send: (minutes: FeedAllStoresMinute[]) => void,
    private readonly onError: (err: unknown) => void,
    private readonly minIntervalMs: number,
    private readonly now: () => number,
  ) {}

  changed(ticks: readonly PartitionTick[]): void {
    for (const t of ticks) this.dirty.add(t.minute);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.running || this.closed || this.dirty.size === 0) return;
    const wait = Math.max(0, this.lastRun + this.minIntervalMs - this.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run();
    }, wait);
  }

  private async run(): Promise<void> {
    this.running = true;
    this.lastRun = this.now();
    const minutes = [...this.dirty].sort((a, b) => a - b);
    this.dirty.clear();
    try {
      const from = minutes[0]!;
      const to = minutes.at(-1)! + MINUTE_MS;
      const wanted = new Set(minutes);
      const rows = (await this.queries.allMinutesWithVersion(from, to)).filter((r) => wanted.has(Date.parse(r.minute)));
      if (rows.length && !this.closed) this.send(rows);
    } catch (err) {
      for (const m of minutes) this.dirty.add(m);
      this.lastRun = this.now() + ERROR_BACKOFF_MS; // retried, but never in a tight loop against a failing store
      this.onError(err);
    } finally {
      this.running = false;
      this.schedule();
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
