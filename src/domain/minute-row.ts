import type { SaleEvent } from "./event.ts";

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
  eventIds: string[];
}

export function emptyTotals(): MinuteTotals {
  return { saleCount: 0, refundCount: 0, grossMinor: 0, refundMinor: 0, itemCount: 0, firstEventAt: null, lastEventAt: null };
}

export function addEvent(t: MinuteTotals, e: SaleEvent): void {
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
  if (t.firstEventAt === null || e.occurredAtMs < t.firstEventAt) t.firstEventAt = e.occurredAtMs;
  if (t.lastEventAt === null || e.occurredAtMs > t.lastEventAt) t.lastEventAt = e.occurredAtMs;
}

export function netMinor(t: MinuteTotals): number {
  return t.grossMinor - t.refundMinor;
}

/** Adds `b` into `a` (used to sum stores into all-stores totals of the same currency). */
export function mergeTotals(a: MinuteTotals, b: MinuteTotals): void {
  a.saleCount += b.saleCount;
  a.refundCount += b.refundCount;
  a.grossMinor += b.grossMinor;
  a.refundMinor += b.refundMinor;
  a.itemCount += b.itemCount;
  if (b.firstEventAt !== null && (a.firstEventAt === null || b.firstEventAt < a.firstEventAt)) a.firstEventAt = b.firstEventAt;
  if (b.lastEventAt !== null && (a.lastEventAt === null || b.lastEventAt > a.lastEventAt)) a.lastEventAt = b.lastEventAt;
}

export function windowKey(minute: number, currency: string): string {
  return `${minute}|${currency}`;
}
