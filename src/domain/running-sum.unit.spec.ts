import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_EXACT_MINOR } from "./money.ts";
import { emptyRunningSum, replaceSummand, runningSumOf, type RunningSum, type Summand } from "./running-sum.ts";

const FIELDS = ["saleCount", "refundCount", "grossMinor", "refundMinor", "itemCount"] as const;

/** The exact sum of the stores' current summands (BigInt, so nothing rounds), or null when a field is negative or out of range. */
function exactSum(items: Summand[]): RunningSum | null {
  const out = emptyRunningSum();
  for (const k of FIELDS) {
    let v = 0n;
    for (const h of items) {
      if (h[k] < 0) return null;
      v += BigInt(h[k]);
    }
    if (v > BigInt(MAX_EXACT_MINOR)) return null;
    out[k] = Number(v);
  }
  for (const h of items) {
    if (h.firstMs !== null && (out.firstMs === null || h.firstMs < out.firstMs)) out.firstMs = h.firstMs;
    if (h.lastMs !== null && (out.lastMs === null || h.lastMs > out.lastMs)) out.lastMs = h.lastMs;
    out.offsets += h.offset + 1;
    if (h.provisional) out.provisionals += 1;
    out.count += 1;
  }
  return out;
}

const time = fc.option(fc.integer({ min: 0, max: 59_999 }), { nil: null });
const summand = (amount: fc.Arbitrary<number>) =>
  fc.record({
    saleCount: amount,
    refundCount: amount,
    grossMinor: amount,
    refundMinor: amount,
    itemCount: amount,
    firstMs: time,
    lastMs: time,
    offset: fc.nat(1_000),
    provisional: fc.boolean(),
  });

describe("running sum of store contributions", () => {
  it("equals the exact sum of the current contributions whenever it answers (property)", () => {
    const amount = fc.oneof(fc.nat(1_000), fc.nat(1_000).map((d) => MAX_EXACT_MINOR - d), fc.integer({ min: -3, max: -1 }));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(4), summand(amount)), { minLength: 1, maxLength: 30 }), (steps) => {
        const current = new Map<number, Summand>();
        let sum: RunningSum | null = emptyRunningSum();
        for (const [store, next] of steps) {
          if (sum) sum = replaceSummand(sum, current.get(store), next);
          current.set(store, next);
          const exact = exactSum([...current.values()]);
          if (sum) expect(sum).toEqual(exact);
          // A pass always answers when every field is in range and none negative.
          sum ??= runningSumOf(current.values());
          if (exact) expect(sum).toEqual(exact);
          else expect(sum).toBeNull();
        }
      }),
      { numRuns: 1_000 },
    );
  });

  it("keeps answering as windows grow (later rows start no later and end no earlier): no pass needed", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(20), fc.nat(1_000), fc.nat(1_000)), { minLength: 1, maxLength: 100 }), (steps) => {
        const current = new Map<number, Summand>();
        let sum: RunningSum | null = emptyRunningSum();
        for (const [store, amount, spread] of steps) {
          const previous = current.get(store);
          const firstMs = Math.max(0, (previous?.firstMs ?? 30_000) - (spread % 7));
          const lastMs = Math.min(59_999, (previous?.lastMs ?? 30_000) + (spread % 5));
          const next: Summand = { saleCount: (previous?.saleCount ?? 0) + 1, refundCount: 0, grossMinor: (previous?.grossMinor ?? 0) + amount, refundMinor: 0, itemCount: 1, firstMs, lastMs, offset: (previous?.offset ?? 0) + 1, provisional: spread % 2 === 0 };
          sum = replaceSummand(sum!, previous, next);
          current.set(store, next);
          expect(sum).toEqual(exactSum([...current.values()]));
        }
      }),
    );
  });
});
