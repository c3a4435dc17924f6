import { viewFrom, type MinuteAmounts } from "../domain/minute-row.ts";
import { MINUTE_MS, msIntoMinute, small, timeInMinute } from "../domain/time.ts";
import { isNewerAggregate, isNewerRow } from "../domain/windows.ts";
import { isPartitionTick, type LiveTick, type PartitionTick, type Tick, type TickSubscriber } from "./ports.ts";

/**
 * A store window's newest tick as the view keeps it (one per recent window), read back as a Tick by
 * `tick`. Its times are small integers: the minute's number, and event times as milliseconds into
 * the minute (-1: none). V8 keeps a small integer in the object but boxes any other number (an epoch
 * ms time) in a 16-byte heap number of its own. Store and currency are the keys it is kept under.
 */
class LiveRow implements MinuteAmounts {
  readonly saleCount: number;
  readonly refundCount: number;
  readonly grossMinor: number;
  readonly refundMinor: number;
  readonly itemCount: number;
  private readonly firstMs: number;
  private readonly lastMs: number;
  readonly partition: number;
  readonly offset: number;
  readonly revision: number;
  readonly provisional: boolean;

  /** The compact row of a tick; undefined if the tick is not a window's (not a minute start, or an event time outside it). */
  static of(t: Tick): LiveRow | undefined {
    const firstMs = msIntoMinute(t.minute, t.firstEventAt);
    const lastMs = msIntoMinute(t.minute, t.lastEventAt);
    if (t.minute % MINUTE_MS !== 0 || firstMs === undefined || lastMs === undefined) return undefined;
    return new LiveRow(t, small(t.minute / MINUTE_MS), firstMs, lastMs);
  }

  private constructor(t: Tick, readonly minuteNo: number, firstMs: number, lastMs: number) {
    this.saleCount = t.saleCount;
    this.refundCount = t.refundCount;
    this.grossMinor = t.grossMinor;
    this.refundMinor = t.refundMinor;
    this.itemCount = t.itemCount;
    this.firstMs = firstMs;
    this.lastMs = lastMs;
    this.partition = t.partition;
    this.offset = t.offset;
    this.revision = t.revision;
    this.provisional = t.provisional;
  }

  get minute(): number {
    return this.minuteNo * MINUTE_MS;
  }

  get firstEventAt(): number | null {
    return timeInMinute(this.minute, this.firstMs);
  }

  get lastEventAt(): number | null {
    return timeInMinute(this.minute, this.lastMs);
  }

  /** The tick this row was made of: a plain object with the Tick fields and values. */
  tick(storeId: string, currency: string): Tick {
    return viewFrom(storeId, this.minute, currency, this, this.firstEventAt, this.lastEventAt, this.partition, this.offset, this.revision, this.provisional);
  }
}

/** One store's rows: currency → minute number → newest row. */
type StoreRows = Map<string, Map<number, LiveRow>>;

/**
 * The freshest known state of recent windows, fed by ticks: what makes the still-open minute
 * visible to REST before it is written. Per store window (newest by offset) and per partition
 * aggregate (newest by version). Bounded by a time horizon.
 *
 * Store rows are indexed by store, so a read for one store touches only that store's rows (a
 * subscribe with many ids must not cost ids × all rows). They are kept compact (LiveRow) and read
 * as new Tick objects. A store tick that is not a window's is malformed and ignored.
 */
export class LiveView {
  /** storeId → currency → minute number → newest tick (compact) */
  private readonly byStore = new Map<string, StoreRows>();
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
      const row = LiveRow.of(t);
      if (!row) continue;
      let byCurrency = this.byStore.get(t.storeId);
      if (!byCurrency) this.byStore.set(t.storeId, (byCurrency = new Map()));
      let rows = byCurrency.get(t.currency);
      if (!rows) byCurrency.set(t.currency, (rows = new Map()));
      const prev = rows.get(row.minuteNo);
      if (!prev) this.rowCount++;
      if (isNewerRow(prev, t)) rows.set(row.minuteNo, row);
    }
  }

  prune(): void {
    const oldest = this.now() - this.horizonMs;
    for (const [storeId, byCurrency] of this.byStore) {
      for (const [currency, rows] of byCurrency) {
        for (const [minuteNo, row] of rows) {
          if (row.minute + MINUTE_MS < oldest) {
            rows.delete(minuteNo);
            this.rowCount--;
          }
        }
        if (rows.size === 0) byCurrency.delete(currency);
      }
      if (byCurrency.size === 0) this.byStore.delete(storeId);
    }
    for (const [k, t] of this.partitions) if (t.minute + MINUTE_MS < oldest) this.partitions.delete(k);
  }

  /** Live store rows with from ≤ minute < to: of one store (reads only its rows), or of all. */
  between(from: number, to: number, storeId?: string): Tick[] {
    const out: Tick[] = [];
    const pick = (storeId: string, byCurrency: StoreRows) => {
      for (const [currency, rows] of byCurrency) {
        for (const row of rows.values()) if (row.minute >= from && row.minute < to) out.push(row.tick(storeId, currency));
      }
    };
    if (storeId === undefined) for (const [id, byCurrency] of this.byStore) pick(id, byCurrency);
    else {
      const byCurrency = this.byStore.get(storeId);
      if (byCurrency) pick(storeId, byCurrency);
    }
    return out;
  }

  /** The newest known version of a tick's window (its own, or a newer one), if the window is within the horizon. */
  newest(t: Pick<Tick, "storeId" | "minute" | "currency">): Tick | undefined {
    return this.byStore.get(t.storeId)?.get(t.currency)?.get(t.minute / MINUTE_MS)?.tick(t.storeId, t.currency);
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
