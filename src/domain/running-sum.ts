import { fitsExactly } from "./money.ts";

/** The summed fields of one store's contribution to a partition aggregate (event times in ms after the minute; null: no event). */
export interface Summand {
  saleCount: number;
  refundCount: number;
  grossMinor: number;
  refundMinor: number;
  itemCount: number;
  firstMs: number | null;
  lastMs: number | null;
  offset: number;
  provisional: boolean;
}

/**
 * A sum of summands kept up to date as one store's contribution replaces its previous one, so a
 * partition aggregate costs O(1) per changed store instead of a pass over every store of its minute.
 *
 * It answers only what a full pass (summing in order) would answer, and gives up (null) otherwise:
 * - when an amount or count would leave the exact range: the full pass then marks the aggregate out
 *   of range, and which partial counts it keeps depends on the order of the stores;
 * - for a negative field (never written by this pipeline): partial sums of non-negative fields never
 *   exceed the total, which is what makes the order irrelevant;
 * - when a replaced summand held the earliest first (or latest last) event time and its replacement
 *   does not: the new extreme is then only known by a pass. (A window's newer row never starts later
 *   or ends earlier, so this is rare.)
 */
export interface RunningSum extends Omit<Summand, "offset" | "provisional"> {
  /** Σ (offset + 1): the aggregate's version is twice this, +1 when nothing is provisional. */
  offsets: number;
  provisionals: number;
  count: number;
}

export function emptyRunningSum(): RunningSum {
  return { saleCount: 0, refundCount: 0, grossMinor: 0, refundMinor: 0, itemCount: 0, firstMs: null, lastMs: null, offsets: 0, provisionals: 0, count: 0 };
}

const ADDITIVE = ["saleCount", "refundCount", "grossMinor", "refundMinor", "itemCount"] as const;

/** The sum of `items`, or null where a pass in order is the only exact answer (see RunningSum). */
export function runningSumOf(items: Iterable<Summand>): RunningSum | null {
  let sum: RunningSum | null = emptyRunningSum();
  for (const h of items) {
    sum = replaceSummand(sum, undefined, h);
    if (!sum) return null;
  }
  return sum;
}

/**
 * Replaces one store's summand (`previous`, undefined when it had none) by `next`, in place; null
 * when the running sum can no longer answer exactly (the caller then sums in a pass).
 */
export function replaceSummand(sum: RunningSum, previous: Summand | undefined, next: Summand): RunningSum | null {
  for (const k of ADDITIVE) {
    if (next[k] < 0) return null;
    const v = sum[k] - (previous ? previous[k] : 0);
    if (!fitsExactly(v, next[k])) return null;
    sum[k] = v + next[k];
  }
  if (previous) {
    if (previous.firstMs !== null && previous.firstMs === sum.firstMs && (next.firstMs === null || next.firstMs > previous.firstMs)) return null;
    if (previous.lastMs !== null && previous.lastMs === sum.lastMs && (next.lastMs === null || next.lastMs < previous.lastMs)) return null;
    sum.offsets -= previous.offset + 1;
    if (previous.provisional) sum.provisionals -= 1;
  } else sum.count += 1;
  if (next.firstMs !== null && (sum.firstMs === null || next.firstMs < sum.firstMs)) sum.firstMs = next.firstMs;
  if (next.lastMs !== null && (sum.lastMs === null || next.lastMs > sum.lastMs)) sum.lastMs = next.lastMs;
  sum.offsets += next.offset + 1;
  if (next.provisional) sum.provisionals += 1;
  return sum;
}
