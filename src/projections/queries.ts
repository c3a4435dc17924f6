import { mergeTotals, netMinor, emptyTotals, type MinuteTotals } from "../domain/minute-row.ts";
import { addExact, AmountOutOfRangeError } from "../domain/money.ts";
import { MINUTE_MS, isoMinute, utcDay } from "../domain/time.ts";
import { isNewerAggregate, isNewerRow } from "../domain/windows.ts";
import type { LiveView } from "../live/live-view.ts";
import type { Tick } from "../live/ports.ts";
import { isOutOfRange, type PartitionTotalsRow } from "../domain/partition-totals.ts";
import type { MinuteProjection } from "./ports.ts";

import type { PublicMinute } from "../domain/public-minute.ts";

export type { PublicMinute };

/**
 * A store's minute row as the live feed sends it: the public row plus the log position it includes
 * and its write count, so a client can tell which of two versions is newer (isNewerRow).
 */
export type FeedRow = PublicMinute & { storeId: string; partition: number; offset: number; revision: number };

/** All-stores totals of a minute as the live feed sends them: plus the sum of the partition aggregates' versions (it only grows). */
export type FeedAllStoresMinute = PublicMinute & { version: number };

export function feedRow(t: Tick, provisional = t.provisional): FeedRow {
  return { storeId: t.storeId, ...publicMinute(t.minute, t.currency, t, provisional), partition: t.partition, offset: t.offset, revision: t.revision };
}

export function publicMinute(minute: number, currency: string, t: MinuteTotals, provisional: boolean): PublicMinute {
  return {
    minute: isoMinute(minute),
    currency,
    saleCount: t.saleCount,
    refundCount: t.refundCount,
    grossMinor: t.grossMinor,
    refundMinor: t.refundMinor,
    netMinor: netMinor(t),
    itemCount: t.itemCount,
    provisional,
  };
}

const byMinuteThenCurrency = (a: { minute: number; currency: string }, b: { minute: number; currency: string }) =>
  a.minute - b.minute || (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0);

/**
 * Read side: projection rows, overlaid with fresher live state of recent minutes. A row is final
 * only when the pipeline wrote it final (its partition's progress passed the minute's close), never
 * because of the wall clock (docs/windows.md). Sums are exact or fail with AmountOutOfRangeError.
 */
export class MinuteQueries {
  constructor(
    private readonly minutes: MinuteProjection,
    private readonly live: LiveView,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether a row (or tick) is still provisional: the pipeline's own flag, nothing else. */
  isProvisional(row: Pick<Tick, "provisional">): boolean {
    return row.provisional;
  }

  /** Whether a newer version of the tick's window is already known (the feed then has no use for it). */
  isSuperseded(t: Tick): boolean {
    const newest = this.live.newest(t);
    return newest !== undefined && isNewerRow(t, newest);
  }

  private async merged(from: number, to: number, storeId?: string): Promise<Tick[]> {
    const stored = storeId === undefined ? await this.minutes.allRows(from, to) : await this.minutes.storeRows(storeId, from, to);
    const rows = new Map<string, Tick>();
    for (const r of stored) rows.set(`${r.storeId}|${r.minute}|${r.currency}`, r);
    for (const t of this.live.between(from, to, storeId)) {
      const key = `${t.storeId}|${t.minute}|${t.currency}`;
      if (isNewerRow(rows.get(key), t)) rows.set(key, t);
    }
    return [...rows.values()];
  }

  async storeMinutes(storeId: string, from: number, to: number): Promise<PublicMinute[]> {
    const rows = await this.merged(from, to, storeId);
    return rows.sort(byMinuteThenCurrency).map((r) => publicMinute(r.minute, r.currency, r, r.provisional));
  }

  /** One store's rows as the live feed sends them (a snapshot). */
  async storeFeedRows(storeId: string, from: number, to: number): Promise<FeedRow[]> {
    return (await this.merged(from, to, storeId)).sort(byMinuteThenCurrency).map((r) => feedRow(r));
  }

  /** Every store's rows (the live feed's snapshot for a "*" subscriber). */
  async storeRowsForAll(from: number, to: number): Promise<FeedRow[]> {
    const rows = await this.merged(from, to);
    return rows.sort((a, b) => byMinuteThenCurrency(a, b) || (a.storeId < b.storeId ? -1 : 1)).map((r) => feedRow(r));
  }

  /**
   * All stores per (minute, currency): the sum of the P partition aggregates, each the higher
   * version of the stored one and the live one (fresher, for recent minutes). Reads at most
   * P × minutes × currencies rows, whatever the number of stores.
   */
  async allMinutes(from: number, to: number): Promise<PublicMinute[]> {
    return (await this.allMinutesWithVersion(from, to)).map(({ version: _v, ...m }) => m);
  }

  /** allMinutes with the sum of the summed aggregates' versions (for the live feed: newer = higher). */
  async allMinutesWithVersion(from: number, to: number): Promise<FeedAllStoresMinute[]> {
    const latest = new Map<string, PartitionTotalsRow>();
    for (const r of await this.minutes.partitionTotals(from, to)) latest.set(`${r.partition}|${r.minute}|${r.currency}`, r);
    for (const t of this.live.partitionsBetween(from, to)) {
      const key = `${t.partition}|${t.minute}|${t.currency}`;
      if (isNewerAggregate(latest.get(key), t)) latest.set(key, t);
    }
    const sums = new Map<string, { minute: number; currency: string; what: string; totals: MinuteTotals; provisional: boolean; version: number }>();
    for (const r of latest.values()) {
      const key = `${r.minute}|${r.currency}`;
      let s = sums.get(key);
      // Described once per sum, not per partition row: the description is only for an error.
      if (!s) sums.set(key, (s = { minute: r.minute, currency: r.currency, what: `the all-stores total of ${isoMinute(r.minute)} in ${r.currency}`, totals: emptyTotals(), provisional: false, version: 0 }));
      if (isOutOfRange(r)) throw new AmountOutOfRangeError(s.what);
      mergeTotals(s.totals, r, s.what);
      s.provisional ||= r.provisional;
      s.version += r.version;
    }
    return [...sums.values()].sort(byMinuteThenCurrency).map((s) => ({ ...publicMinute(s.minute, s.currency, s.totals, s.provisional), version: s.version }));
  }

  /** Stores seen since the start of the UTC day, with that day's net per currency (reads every store row of the day). */
  async stores(): Promise<{ storeId: string; day: string; netMinorByCurrency: Record<string, number>; lastMinute: string }[]> {
    const now = this.now();
    const dayStart = Date.parse(`${utcDay(now)}T00:00:00Z`);
    const out = new Map<string, { storeId: string; day: string; netMinorByCurrency: Record<string, number>; last: number }>();
    for (const r of await this.merged(dayStart, now + MINUTE_MS)) {
      let s = out.get(r.storeId);
      if (!s) out.set(r.storeId, (s = { storeId: r.storeId, day: utcDay(now), netMinorByCurrency: {}, last: r.minute }));
      s.netMinorByCurrency[r.currency] = addExact(s.netMinorByCurrency[r.currency] ?? 0, netMinor(r), `the day's net of store ${r.storeId} in ${r.currency}`);
      if (r.minute > s.last) s.last = r.minute;
    }
    return [...out.values()]
      .sort((a, b) => (a.storeId < b.storeId ? -1 : 1))
      .map(({ last, ...s }) => ({ ...s, lastMinute: isoMinute(last) }));
  }

  /** Ranks stores, so it reads every store row of the range (not the partition aggregates). */
  async topStores(from: number, to: number, currency: string, limit: number) {
    const byStore = new Map<string, MinuteTotals>();
    for (const r of await this.merged(from, to)) {
      if (r.currency !== currency) continue;
      let t = byStore.get(r.storeId);
      if (!t) byStore.set(r.storeId, (t = emptyTotals()));
      mergeTotals(t, r, `the total of store ${r.storeId} in ${currency}`);
    }
    return [...byStore]
      .map(([storeId, t]) => ({ storeId, currency, netMinor: netMinor(t), grossMinor: t.grossMinor, refundMinor: t.refundMinor, saleCount: t.saleCount, itemCount: t.itemCount }))
      .sort((a, b) => b.netMinor - a.netMinor || (a.storeId < b.storeId ? -1 : 1))
      .slice(0, limit);
  }
}
