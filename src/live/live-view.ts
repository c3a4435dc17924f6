import { MINUTE_MS } from "../domain/time.ts";
import { isNewerAggregate, isNewerRow } from "../domain/windows.ts";
import { isPartitionTick, type LiveTick, type PartitionTick, type Tick, type TickSubscriber } from "./ports.ts";

/**
 * The freshest known state of recent windows, fed by ticks: what makes the still-open minute
 * visible to REST before it is written. Per store window (newest by offset) and per partition
 * aggregate (newest by version). Bounded by a time horizon.
 */
export class LiveView {
  private readonly rows = new Map<string, Tick>();
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
      const key = `${t.storeId}|${t.minute}|${t.currency}`;
      const prev = this.rows.get(key);
      if (isNewerRow(prev, t)) this.rows.set(key, t);
    }
  }

  prune(): void {
    const oldest = this.now() - this.horizonMs;
    for (const [k, t] of this.rows) if (t.minute + MINUTE_MS < oldest) this.rows.delete(k);
    for (const [k, t] of this.partitions) if (t.minute + MINUTE_MS < oldest) this.partitions.delete(k);
  }

  between(from: number, to: number, storeId?: string): Tick[] {
    const out: Tick[] = [];
    for (const t of this.rows.values()) {
      if (t.minute >= from && t.minute < to && (storeId === undefined || t.storeId === storeId)) out.push(t);
    }
    return out;
  }

  /** Live partition aggregates with from ≤ minute < to. */
  partitionsBetween(from: number, to: number): PartitionTick[] {
    const out: PartitionTick[] = [];
    for (const t of this.partitions.values()) if (t.minute >= from && t.minute < to) out.push(t);
    return out;
  }

  size(): number {
    return this.rows.size + this.partitions.size;
  }

  close(): void {
    this.unsubscribe();
  }
}
