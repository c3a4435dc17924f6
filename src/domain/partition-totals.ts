import { emptyTotals, mergeTotals, type MinuteRow, type MinuteTotals } from "./minute-row.ts";
import { AmountOutOfRangeError, OUT_OF_RANGE_MINOR } from "./money.ts";
import type { WindowingConfig } from "./windowing-config.ts";
import { isNewerRow, mayEvict } from "./windows.ts";

/**
 * Pre-aggregated all-stores totals, per (log partition, minute, currency): the sum of the rows of
 * the partition's stores. Derived data: always rebuildable from the store rows.
 *
 * Version = 2 · Σ over the summed store rows of (offset + 1), plus 1 when no row is provisional.
 * A store's row only ever moves to a higher offset (or from provisional to final at the same
 * offset), and a row at a given offset always has the same content (replays are deterministic), so
 * the version only grows as the partition's rows grow, and the latest state dominates every earlier
 * mixture component-wise: its version is strictly higher unless the content is equal. Writers keep
 * the higher version (Cassandra: USING TIMESTAMP version), so a stale writer cannot regress it.
 * Bound: Σ (offset + 1) of one partition-minute-currency must stay below 2^51 (safe integers).
 *
 * Amounts are exact (money.ts): when the sum of the stores' rows leaves the exact range, the row
 * is written with OUT_OF_RANGE_MINOR in grossMinor, refundMinor and itemCount (never a rounded sum),
 * and reading it fails loudly (isOutOfRange).
 */
export interface PartitionTotalsRow extends MinuteTotals {
  partition: number;
  minute: number;
  currency: string;
  provisional: boolean;
  version: number;
}

/** What one store contributes: the totals of one of its rows (written or loaded, never unwritten state). */
export interface Contribution {
  totals: MinuteTotals;
  offset: number;
  revision: number;
  provisional: boolean;
}

/** The row fields a contribution is made of (a MinuteRow or a tick). */
export type ContributionRow = Omit<MinuteRow, "eventIds" | "partition"> & { partition?: number };

export function contributionOf(r: ContributionRow): Contribution {
  return {
    totals: {
      saleCount: r.saleCount,
      refundCount: r.refundCount,
      grossMinor: r.grossMinor,
      refundMinor: r.refundMinor,
      itemCount: r.itemCount,
      firstEventAt: r.firstEventAt,
      lastEventAt: r.lastEventAt,
    },
    offset: r.offset,
    revision: r.revision,
    provisional: r.provisional,
  };
}

/** An aggregate whose exact sum is outside the exact range: its amounts are not served. */
export function isOutOfRange(r: Pick<PartitionTotalsRow, "grossMinor">): boolean {
  return r.grossMinor === OUT_OF_RANGE_MINOR;
}

export function sumContributions(partition: number, minute: number, currency: string, contributions: Iterable<Contribution>): PartitionTotalsRow {
  const totals = emptyTotals();
  let provisional = false;
  let offsets = 0;
  let any = false;
  let outOfRange = false;
  for (const c of contributions) {
    any = true;
    try {
      if (!outOfRange) mergeTotals(totals, c.totals);
    } catch (err) {
      if (!(err instanceof AmountOutOfRangeError)) throw err;
      outOfRange = true;
    }
    provisional ||= c.provisional;
    offsets += c.offset + 1;
  }
  if (outOfRange) Object.assign(totals, { grossMinor: OUT_OF_RANGE_MINOR, refundMinor: OUT_OF_RANGE_MINOR, itemCount: OUT_OF_RANGE_MINOR });
  return { partition, minute, currency, ...totals, provisional, version: any ? 2 * offsets + (provisional ? 0 : 1) : 0 };
}

/** Sums store rows (of any partitions) into partition totals rows, per (partition, minute, currency). */
export function partitionTotalsOfRows(rows: Iterable<Pick<MinuteRow, "partition" | "minute" | "currency"> & ContributionRow>): PartitionTotalsRow[] {
  const groups = new Map<string, { partition: number; minute: number; currency: string; list: Contribution[] }>();
  for (const r of rows) {
    const key = `${r.partition}|${r.minute}|${r.currency}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { partition: r.partition, minute: r.minute, currency: r.currency, list: [] }));
    g.list.push(contributionOf(r));
  }
  return [...groups.values()].map((g) => sumContributions(g.partition, g.minute, g.currency, g.list));
}

interface CurrencyState {
  /** Per store: its latest durably written (or loaded) row. */
  stores: Map<string, Contribution>;
  /** Per store: its latest in-memory view (may be unwritten); only for live ticks. */
  live: Map<string, Contribution>;
  /** The summed written contributions differ from what is stored. */
  dirty: boolean;
  /** Live ticks are due. */
  liveDirty: boolean;
}

interface MinuteState {
  /** The minute's stored rows (and aggregates) of this partition are loaded: aggregates may be written. */
  loaded: boolean;
  currencies: Map<string, CurrencyState>;
}

/** The partition actor's totals state: owned by it, pure functions below. */
export interface PartitionTotalsState {
  partition: number;
  minutes: Map<number, MinuteState>;
}

export function newPartitionTotals(partition: number): PartitionTotalsState {
  return { partition, minutes: new Map() };
}

function minuteState(s: PartitionTotalsState, minute: number): MinuteState {
  let m = s.minutes.get(minute);
  if (!m) s.minutes.set(minute, (m = { loaded: false, currencies: new Map() }));
  return m;
}

function currencyState(m: MinuteState, currency: string): CurrencyState {
  let c = m.currencies.get(currency);
  if (!c) m.currencies.set(currency, (c = { stores: new Map(), live: new Map(), dirty: false, liveDirty: false }));
  return c;
}

/** Takes durably written (or loaded) store rows: a store's contribution is replaced by a newer row, never added to. */
export function absorbWritten(s: PartitionTotalsState, rows: Iterable<ContributionRow>): void {
  for (const r of rows) {
    const c = currencyState(minuteState(s, r.minute), r.currency);
    const next = contributionOf(r);
    if (!isNewerRow(c.stores.get(r.storeId), next)) continue;
    c.stores.set(r.storeId, next);
    c.dirty = true;
    c.liveDirty = true;
  }
}

/** Takes in-memory views of store windows (possibly unwritten): used only for live ticks. */
export function absorbLive(s: PartitionTotalsState, rows: Iterable<ContributionRow>): void {
  for (const r of rows) {
    const c = currencyState(minuteState(s, r.minute), r.currency);
    const next = contributionOf(r);
    if (!isNewerRow(c.live.get(r.storeId), next)) continue;
    c.live.set(r.storeId, next);
    c.liveDirty = true;
  }
}

/** Minutes whose stored rows must be loaded before their aggregates can be written. */
export function minutesToLoad(s: PartitionTotalsState): number[] {
  return [...s.minutes].filter(([, m]) => !m.loaded).map(([minute]) => minute);
}

/**
 * Installs a partition-minute's stored rows (merged with what was absorbed meanwhile, newer wins)
 * and its stored aggregates: an aggregate whose version differs from the rows' sum (a previous
 * owner wrote rows and died before writing it) is marked to be written.
 */
export function installLoaded(s: PartitionTotalsState, minute: number, rows: readonly ContributionRow[], stored: readonly PartitionTotalsRow[]): void {
  const m = minuteState(s, minute);
  if (m.loaded) return;
  for (const r of rows) {
    if (r.minute !== minute) continue;
    const c = currencyState(m, r.currency);
    const next = contributionOf(r);
    if (isNewerRow(c.stores.get(r.storeId), next)) c.stores.set(r.storeId, next);
  }
  const storedVersion = new Map(stored.filter((a) => a.minute === minute && a.partition === s.partition).map((a) => [a.currency, a.version]));
  for (const [currency, c] of m.currencies) {
    if (c.stores.size === 0) continue;
    const version = sumContributions(s.partition, minute, currency, c.stores.values()).version;
    if (storedVersion.get(currency) !== version) c.dirty = true;
    c.liveDirty = true;
  }
  m.loaded = true;
}

/** Aggregate rows to write now: dirty ones of loaded minutes. */
export function dueTotals(s: PartitionTotalsState): PartitionTotalsRow[] {
  const out: PartitionTotalsRow[] = [];
  for (const [minute, m] of s.minutes) {
    if (!m.loaded) continue;
    for (const [currency, c] of m.currencies) if (c.dirty && c.stores.size > 0) out.push(sumContributions(s.partition, minute, currency, c.stores.values()));
  }
  return out;
}

/** Records that these aggregate rows are durably written (stays dirty if contributions moved on meanwhile). */
export function markTotalsWritten(s: PartitionTotalsState, rows: readonly PartitionTotalsRow[]): void {
  for (const r of rows) {
    const c = s.minutes.get(r.minute)?.currencies.get(r.currency);
    if (c && sumContributions(s.partition, r.minute, r.currency, c.stores.values()).version === r.version) c.dirty = false;
  }
}

/** Something absorbed is not yet in a written aggregate (unloaded minute with rows, or a dirty aggregate). */
export function hasUnwrittenTotals(s: PartitionTotalsState): boolean {
  for (const m of s.minutes.values()) for (const c of m.currencies.values()) if (c.dirty || (!m.loaded && c.stores.size > 0)) return true;
  return false;
}

/**
 * Takes the live ticks due: of changed (minute, currency) of loaded minutes, per store the newer of
 * its written row and its in-memory view, summed (a partial sum of an unloaded minute is never
 * published). Clears their due mark.
 */
export function takeLiveTotals(s: PartitionTotalsState): PartitionTotalsRow[] {
  const out: PartitionTotalsRow[] = [];
  for (const [minute, m] of s.minutes) {
    if (!m.loaded) continue;
    for (const [currency, c] of m.currencies) {
      if (!c.liveDirty) continue;
      c.liveDirty = false;
      const merged = new Map(c.stores);
      for (const [store, v] of c.live) if (isNewerRow(merged.get(store), v)) merged.set(store, v);
      if (merged.size > 0) out.push(sumContributions(s.partition, minute, currency, merged.values()));
    }
  }
  return out;
}

/** Drops minutes past the windows' horizon (closed + allowed lateness) with nothing unwritten; they reload if needed. */
export function evictTotals(s: PartitionTotalsState, now: number, cfg: WindowingConfig): number {
  let evicted = 0;
  for (const [minute, m] of s.minutes) {
    if (!mayEvict(minute, now, cfg)) continue;
    if (!m.loaded || [...m.currencies.values()].some((c) => c.dirty)) continue;
    s.minutes.delete(minute);
    evicted += 1;
  }
  return evicted;
}
