import { rowView } from "../domain/minute-row.ts";
import { MINUTE_MS } from "../domain/time.ts";
import { isNewerAggregate, isNewerRow } from "../domain/windows.ts";
import { isPartitionTick, type LiveTick, type PartitionTick, type Tick, type TickSubscriber } from "./ports.ts";

/**
 * The freshest known state of recent windows, fed by ticks: what makes the still-open minute
 * visible to REST before it is written. Per store window (newest by offset) and per partition
 * aggregate (newest by version). Bounded by a time horizon.
 *
 * Store rows are indexed by store, so a read for one store touches only that store's rows (a
 * subscribe with many ids must not cost ids × all rows).
 */
export class LiveView {
  /** storeId → `${minute}|${currency}` → newest tick */
  private readonly byStore = new Map<string, Map<string, Tick>>();
  private rowCount = 0;
  private readonly partitions = new Map<string, PartitionTick>();
  private readonly unsubscribe: () => void;

  constructor(ticks: TickSubscriber, private readonly horizonMs: number, private readonly now: () => number = Date.now) {
    this.unsubscribe = ticks.subscribe((batch) => this.apply(batch));
  }

  private apply(batch: readonly LiveTick[]): void {
    const oldest = this.now() - this.horizonMs;
    for (const t of batch) {
      if (t.minute + MINUTE_MS < oldest) continue;
      if (isPartitionTick(t)) {
        const key = `${t.partition}|${t.minute}|${t.currency}`;
        if (isNewerAggregate(this.partitions.get(key), t)) this.partitions.set(key, t);
        continue;
      }
      let rows = this.byStore.get(t.storeId);
      if (!rows) this.byStore.set(t.storeId, (rows = new Map()));
      const key = `${t.minute}|${t.currency}`;
      const prev = rows.get(key);
      if (!prev) this.rowCount++;
      // A compact copy: ticks from another thread or instance arrive as deserialized objects, whose
      // fields mostly sit outside the object; the view keeps one per recent window.
      if (isNewerRow(prev, t)) rows.set(key, rowView(t));
    }
  }

  prune(): void {
    const oldest = this.now() - this.horizonMs;
    for (const [storeId, rows] of this.byStore) {
      for (const [k, t] of rows) {
        if (t.minute + MINUTE_MS < oldest) {
          rows.delete(k);
          this.rowCount--;
        }
      }
      if (rows.size === 0) this.byStore.delete(storeId);
    }
    for (const [k, t] of this.partitions) if (t.minute + MINUTE_MS < oldest) this.partitions.delete(k);
  }

  /** Live store rows with from ≤ minute < to: of one store (reads only its rows), or of all. */
  between(from: number, to: number, storeId?: string): Tick[] {
    const out: Tick[] = [];
    const pick = (rows: Map<string, Tick>) => {
      for (const t of rows.values()) if (t.minute >= from && t.minute < to) out.push(t);
    };
    if (storeId === undefined) for (const rows of this.byStore.values()) pick(rows);
    else {
      const rows = this.byStore.get(storeId);
      if (rows) pick(rows);
    }
    return out;
  }

  /** The newest known version of a tick's window (its own, or a newer one), if the window is within the horizon. */
  newest(t: Pick<Tick, "storeId" | "minute" | "currency">): Tick | undefined {
    return this.byStore.get(t.storeId)?.get(`${t.minute}|${t.currency}`);
  }

  /** Live partition aggregates with from ≤ minute < to. */
  partitionsBetween(from: number, to: number): PartitionTick[] {
    const out: PartitionTick[] = [];
    for (const t of this.partitions.values()) if (t.minute >= from && t.minute < to) out.push(t);
    return out;
  }

  size(): number {
    return this.rowCount + this.partitions.size;
  }

  close(): void {
    this.unsubscribe();
  }
}
