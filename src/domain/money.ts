/**
 * The money rule (docs/money.md): every amount the pipeline stores or serves is an exact integer of
 * minor units within ±(2^53 − 1), the range a JSON number and a JavaScript number hold exactly.
 * A store window refuses an event that would take any of its sums out of that range (the event is
 * recorded with the reason, never silently inexact); sums made from stored rows (partition totals,
 * REST sums) are checked and fail loudly instead of rounding.
 */

export const MAX_EXACT_MINOR = Number.MAX_SAFE_INTEGER;

/** Marks a partition aggregate whose exact sum is outside the exact range (amounts never are negative otherwise). */
export const OUT_OF_RANGE_MINOR = -1;

export class AmountOutOfRangeError extends Error {
  readonly code = "INTRADAY_AMOUNT_OUT_OF_RANGE";
  readonly statusCode = 422;
  constructor(what: string) {
    super(`${what} exceeds ${MAX_EXACT_MINOR} and cannot be served exactly; query a narrower set (one store, one currency)`);
  }
}

/** Whether a + b stays an exact integer (both operands already exact). */
export function fitsExactly(a: number, b: number): boolean {
  return Number.isSafeInteger(a + b);
}

/** a + b, or an AmountOutOfRangeError naming `what`. */
export function addExact(a: number, b: number, what: string): number {
  if (!fitsExactly(a, b)) throw new AmountOutOfRangeError(what);
  return a + b;
}
