import { emptyTotals, mergeTotals, type MinuteRow, type MinuteTotals } from "./minute-row.ts";
import { AmountOutOfRangeError, OUT_OF_RANGE_MINOR } from "./money.ts";
import type { WindowingConfig } from "./windowing-config.ts";
import { emptyRunningSum, replaceSummand, runningSumOf, type RunningSum, type Summand } from "./running-sum.ts";
import { isNewerRow, mayEvict, type RowVersion } from "./windows.ts";

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
  return sumOf(partition, minute, currency, contributions, (c) => c.totals);
}

function sumOf<T extends RowVersion>(partition: number, minute: number, currency: string, items: Iterable<T>, totalsOf: (item: T) => MinuteTotals): PartitionTotalsRow {
  const totals = emptyTotals();
  let provisional = false;
  let offsets = 0;
  let any = false;
  let outOfRange = false;
  for (const c of items) {
    any = true;
    try {
      if (!outOfRange) mergeTotals(totals, totalsOf(c));
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

/**
 * A store's contribution as the state holds it (a window may hold two: written and live): one flat
 * object, its event times in ms after the minute (null: no event). V8 keeps small integers inline
 * but boxes any other number, so an epoch-ms time (> 2^31) would cost a separate 16-byte heap
 * number. The revision is left out: sums never read it.
 */
type Held = Summand;

function held(r: ContributionRow): Held {
  return {
    saleCount: r.saleCount,
    refundCount: r.refundCount,
    grossMinor: r.grossMinor,
    refundMinor: r.refundMinor,
    itemCount: r.itemCount,
    firstMs: r.firstEventAt === null ? null : r.firstEventAt - r.minute,
    lastMs: r.lastEventAt === null ? null : r.lastEventAt - r.minute,
    offset: r.offset,
    provisional: r.provisional,
  };
}

/** The totals of a held contribution or of a running sum (times in ms after the minute), as epoch-ms totals. */
function totalsOfHeld(h: Omit<Held, "offset" | "provisional">, minute: number): MinuteTotals {
  return {
    saleCount: h.saleCount,
    refundCount: h.refundCount,
    grossMinor: h.grossMinor,
    refundMinor: h.refundMinor,
    itemCount: h.itemCount,
    firstEventAt: h.firstMs === null ? null : minute + h.firstMs,
    lastEventAt: h.lastMs === null ? null : minute + h.lastMs,
  };
}

interface CurrencyState {
  /** Per store: its latest durably written (or loaded) row. */
  stores: Map<string, Held>;
  /** Per store: its latest in-memory view (may be unwritten), only while newer than its written row; only for live ticks. */
  live: Map<string, Held>;
  /** The sum of `stores`, kept as they change; null: only a pass over them answers (see RunningSum). */
  writtenSum: RunningSum | null;
  /** The sum of liveContributions, likewise. */
  liveSum: RunningSum | null;
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
  if (!c) m.currencies.set(currency, (c = { stores: new Map(), live: new Map(), writtenSum: emptyRunningSum(), liveSum: emptyRunningSum(), dirty: false, liveDirty: false }));
  return c;
}

function rowOfSum(s: PartitionTotalsState, minute: number, currency: string, sum: RunningSum): PartitionTotalsRow {
  const provisional = sum.provisionals > 0;
  return {
    partition: s.partition,
    minute,
    currency,
    ...totalsOfHeld(sum, minute),
    provisional,
    version: sum.count ? 2 * sum.offsets + (provisional ? 0 : 1) : 0,
  };
}

/** The aggregate of the written rows: from the running sum, or a pass when it cannot answer (and then kept again if it can). */
function writtenTotals(s: PartitionTotalsState, minute: number, c: CurrencyState, currency: string): PartitionTotalsRow {
  c.writtenSum ??= runningSumOf(c.stores.values());
  return c.writtenSum ? rowOfSum(s, minute, currency, c.writtenSum) : sumOf(s.partition, minute, currency, c.stores.values(), (h) => totalsOfHeld(h, minute));
}

/** The live aggregate (per store the newer of written and live), likewise. */
function liveTotals(s: PartitionTotalsState, minute: number, c: CurrencyState, currency: string): PartitionTotalsRow {
  c.liveSum ??= runningSumOf(liveContributions(c));
  return c.liveSum ? rowOfSum(s, minute, currency, c.liveSum) : sumOf(s.partition, minute, currency, liveContributions(c), (h) => totalsOfHeld(h, minute));
}

/** Sets a store's written row (newer than the one held); its live view goes once the written row is at least as new. */
function setWritten(c: CurrencyState, r: ContributionRow): void {
  const next = held(r);
  const previous = c.stores.get(r.storeId);
  c.stores.set(r.storeId, next);
  if (c.writtenSum) c.writtenSum = replaceSummand(c.writtenSum, previous, next);
  const live = c.live.get(r.storeId);
  if (live && isNewerRow(r, live)) return; // the live view still stands for the store
  if (live) c.live.delete(r.storeId);
  // (Deleting a live-only store's view moves it in liveContributions' order, which only a pass out of range reads.)
  if (c.liveSum) c.liveSum = replaceSummand(c.liveSum, live ?? previous, next);
}

/** Takes durably written (or loaded) store rows: a store's contribution is replaced by a newer row, never added to. */
export function absorbWritten(s: PartitionTotalsState, rows: Iterable<ContributionRow>): void {
  for (const r of rows) {
    const c = currencyState(minuteState(s, r.minute), r.currency);
    if (!isNewerRow(c.stores.get(r.storeId), r)) continue;
    setWritten(c, r);
    c.dirty = true;
    c.liveDirty = true;
  }
}

/** Takes in-memory views of store windows (possibly unwritten): used only for live ticks, kept only while newer than the written row. */
export function absorbLive(s: PartitionTotalsState, rows: Iterable<ContributionRow>): void {
  for (const r of rows) {
    const c = currencyState(minuteState(s, r.minute), r.currency);
    const previous = c.live.get(r.storeId) ?? c.stores.get(r.storeId);
    if (!isNewerRow(previous, r)) continue;
    const next = held(r);
    c.live.set(r.storeId, next);
    if (c.liveSum) c.liveSum = replaceSummand(c.liveSum, previous, next);
    c.liveDirty = true;
  }
}

/** Whether a minute's stored rows are loaded (its aggregates may be written, its absent windows known). */
export function isMinuteLoaded(s: PartitionTotalsState, minute: number): boolean {
  return s.minutes.get(minute)?.loaded === true;
}

/**
 * Whether a store's window has no stored row, for certain: its minute's stored rows are loaded, and
 * neither they nor the rows written or loaded since hold one of this store in this currency. (A
 * projection makes a row visible in its partition-minute no later than to the store's own read:
 * MinuteProjection.writeRows.) False whenever unsure.
 */
export function isKnownAbsent(s: PartitionTotalsState, storeId: string, minute: number, currency: string): boolean {
  const m = s.minutes.get(minute);
  if (!m?.loaded) return false;
  return !m.currencies.get(currency)?.stores.has(storeId);
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
    if (isNewerRow(c.stores.get(r.storeId), r)) setWritten(c, r);
  }
  const storedVersion = new Map(stored.filter((a) => a.minute === minute && a.partition === s.partition).map((a) => [a.currency, a.version]));
  for (const [currency, c] of m.currencies) {
    if (c.stores.size === 0) continue;
    const version = writtenTotals(s, minute, c, currency).version;
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
    for (const [currency, c] of m.currencies) if (c.dirty && c.stores.size > 0) out.push(writtenTotals(s, minute, c, currency));
  }
  return out;
}

/** Records that these aggregate rows are durably written (stays dirty if contributions moved on meanwhile). */
export function markTotalsWritten(s: PartitionTotalsState, rows: readonly PartitionTotalsRow[]): void {
  for (const r of rows) {
    const c = s.minutes.get(r.minute)?.currencies.get(r.currency);
    if (c && writtenTotals(s, r.minute, c, r.currency).version === r.version) c.dirty = false;
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
      if (c.stores.size > 0 || c.live.size > 0) out.push(liveTotals(s, minute, c, currency));
    }
  }
  return out;
}

/**
 * Per store the newer of its written row and its live view (held only while newer), in the order the
 * stores were first absorbed: written ones first, then those only seen live. The order matters to an
 * out-of-range sum, which stops adding at the first contribution that leaves the range.
 */
function* liveContributions(c: CurrencyState): Iterable<Held> {
  for (const [store, w] of c.stores) yield c.live.get(store) ?? w;
  for (const [store, v] of c.live) if (!c.stores.has(store)) yield v;
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
