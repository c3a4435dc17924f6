import type { EventSummary } from "./event.ts";
import { addExact, fitsExactly } from "./money.ts";

/** The aggregate of one (store, minute, currency) window. All money in integer minor units. */
export interface MinuteTotals {
  saleCount: number;
  refundCount: number;
  grossMinor: number;
  refundMinor: number;
  itemCount: number;
  firstEventAt: number | null;
  lastEventAt: number | null;
}

/**
 * A projection row, always written whole. `partition`/`offset` are the highest log position it
 * includes (replay skips anything at or below it), `revision` counts the writes of this row.
 */
export interface MinuteRow extends MinuteTotals {
  storeId: string;
  minute: number;
  currency: string;
  partition: number;
  offset: number;
  revision: number;
  provisional: boolean;
  /** The window's event ids from position `idsFrom` on (all of them when it is absent or 0). */
  eventIds: string[];
  /**
   * Written rows only: the first `idsFrom` ids of the window are already stored (this writer loaded or
   * wrote them), so a store appends `eventIds` after them instead of replacing the list. Absent or 0:
   * `eventIds` is the whole list and replaces what is stored.
   */
  idsFrom?: number;
}

/** A row without its event ids: what ticks and the live view hold. */
export type RowView = Omit<MinuteRow, "eventIds" | "idsFrom">;

/** The counts and sums of a window, without its event times. */
export type MinuteAmounts = Pick<MinuteTotals, "saleCount" | "refundCount" | "grossMinor" | "refundMinor" | "itemCount">;

/**
 * A row's view, built field by field in one literal: every view then has one compact shape with its
 * fields in the object. (A rest or spread copy adds the fields one by one, which puts most of them in
 * a separate property array; the live view holds one view per recent window.)
 */
export function viewFrom(
  storeId: string,
  minute: number,
  currency: string,
  t: MinuteAmounts,
  firstEventAt: number | null,
  lastEventAt: number | null,
  partition: number,
  offset: number,
  revision: number,
  provisional: boolean,
): RowView {
  return {
    storeId,
    minute,
    currency,
    saleCount: t.saleCount,
    refundCount: t.refundCount,
    grossMinor: t.grossMinor,
    refundMinor: t.refundMinor,
    itemCount: t.itemCount,
    firstEventAt,
    lastEventAt,
    partition,
    offset,
    revision,
    provisional,
  };
}

/** A row without its event ids (see viewFrom). */
export function rowView(r: RowView): RowView {
  return viewFrom(r.storeId, r.minute, r.currency, r, r.firstEventAt, r.lastEventAt, r.partition, r.offset, r.revision, r.provisional);
}

export function emptyTotals(): MinuteTotals {
  return { saleCount: 0, refundCount: 0, grossMinor: 0, refundMinor: 0, itemCount: 0, firstEventAt: null, lastEventAt: null };
}

/** Whether adding the event keeps every sum of the window exact (see money.ts); if not, the event is refused. */
export function fitsEvent(t: MinuteAmounts, e: EventSummary): boolean {
  return e.type === "sale"
    ? fitsExactly(t.grossMinor, e.totalMinor) && fitsExactly(t.itemCount, e.itemCount) && fitsExactly(t.grossMinor - t.refundMinor, e.totalMinor)
    : fitsExactly(t.refundMinor, e.totalMinor) && fitsExactly(t.grossMinor - t.refundMinor, -e.totalMinor);
}

/** Adds an event that fits (see fitsEvent). */
export function addEvent(t: MinuteTotals, e: EventSummary): void {
  addAmounts(t, e);
  if (t.firstEventAt === null || e.occurredAtMs < t.firstEventAt) t.firstEventAt = e.occurredAtMs;
  if (t.lastEventAt === null || e.occurredAtMs > t.lastEventAt) t.lastEventAt = e.occurredAtMs;
}

/** Adds the counts and sums of an event that fits (see fitsEvent), not its time. */
export function addAmounts(t: MinuteAmounts, e: EventSummary): void {
  switch (e.type) {
    case "sale":
      t.saleCount += 1;
      t.grossMinor += e.totalMinor;
      t.itemCount += e.itemCount;
      break;
    case "refund":
      t.refundCount += 1;
      t.refundMinor += e.totalMinor;
      break;
    default: {
      const never: never = e.type;
      throw new Error(`unknown event type ${String(never)}`);
    }
  }
}

export function netMinor(t: MinuteTotals): number {
  return t.grossMinor - t.refundMinor;
}

/**
 * Adds `b` into `a` (sums stores into all-stores totals of the same currency), exactly: a sum out
 * of the exact range throws AmountOutOfRangeError naming `what`, and `a` is left unchanged.
 */
export function mergeTotals(a: MinuteTotals, b: MinuteTotals, what = "a sum of minute totals"): void {
  const gross = addExact(a.grossMinor, b.grossMinor, what);
  const refund = addExact(a.refundMinor, b.refundMinor, what);
  addExact(gross, -refund, what);
  const items = addExact(a.itemCount, b.itemCount, what);
  a.saleCount = addExact(a.saleCount, b.saleCount, what);
  a.refundCount = addExact(a.refundCount, b.refundCount, what);
  a.grossMinor = gross;
  a.refundMinor = refund;
  a.itemCount = items;
  if (b.firstEventAt !== null && (a.firstEventAt === null || b.firstEventAt < a.firstEventAt)) a.firstEventAt = b.firstEventAt;
  if (b.lastEventAt !== null && (a.lastEventAt === null || b.lastEventAt > a.lastEventAt)) a.lastEventAt = b.lastEventAt;
}

/**
 * The key of a (minute, currency) window of one store: a number (a heap number in a Map key costs
 * less than a string), injective for minute-aligned times and 3-letter upper-case codes (what the
 * event contract admits; anything else throws).
 */
export function windowKey(minute: number, currency: string): number {
  const a = currency.charCodeAt(0) - 65;
  const b = currency.charCodeAt(1) - 65;
  const c = currency.charCodeAt(2) - 65;
  if (currency.length !== 3 || !(a >= 0 && a < 26 && b >= 0 && b < 26 && c >= 0 && c < 26) || minute % 60_000 !== 0) {
    throw new Error(`not a window: minute ${minute}, currency ${JSON.stringify(currency)}`);
  }
  return (minute / 60_000) * 32_768 + a * 676 + b * 26 + c;
}
