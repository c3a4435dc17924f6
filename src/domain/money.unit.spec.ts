import { describe, expect, it } from "vitest";
import type { SaleEvent } from "./event.ts";
import { windowKey } from "./minute-row.ts";
import { AmountOutOfRangeError, MAX_EXACT_MINOR, addExact, fitsExactly } from "./money.ts";
import { contributionOf, isOutOfRange, sumContributions } from "./partition-totals.ts";
import { recomputeWindows } from "./recompute.ts";
import { applyEvents, installWindows, missingWindows, newStoreWindows, REFUSED_OUT_OF_RANGE, viewOf, type LoggedEvent } from "./store-windows.ts";
import type { WindowingConfig } from "./windowing-config.ts";

const cfg: WindowingConfig = { graceMs: 10_000, idleSlackMs: 30_000, allowedLatenessMs: 120_000, checkpointMs: 5_000, maxFutureSkewMs: 60_000 };
const M = Date.UTC(2026, 0, 1, 10, 0);
let n = 0;

function event(totalMinor: number, type: "sale" | "refund" = "sale", storeId = "s1"): SaleEvent {
  n += 1;
  return {
    eventId: `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`,
    storeId,
    occurredAt: new Date(M + 1000).toISOString(),
    occurredAtMs: M + 1000,
    type,
    currency: "EUR",
    lines: [{ sku: "x", quantity: 1, unitPriceMinor: totalMinor }],
    totalMinor,
    itemCount: 1,
  };
}

const logged = (events: SaleEvent[]): LoggedEvent[] => events.map((e, i) => ({ partition: 0, offset: i, appendTime: M + 2000, event: e }));

function applyAll(events: LoggedEvent[]) {
  const s = newStoreWindows("s1");
  installWindows(s, missingWindows(s, events), [], M);
  return { s, result: applyEvents(s, events, cfg) };
}

describe("money: every stored or served amount is exact (|x| ≤ 2^53 − 1)", () => {
  it("checked addition: exactly MAX_SAFE_INTEGER fits, one more does not", () => {
    expect(fitsExactly(MAX_EXACT_MINOR - 1, 1)).toBe(true);
    expect(fitsExactly(MAX_EXACT_MINOR, 1)).toBe(false);
    expect(addExact(MAX_EXACT_MINOR - 1, 1, "x")).toBe(MAX_EXACT_MINOR);
    expect(() => addExact(MAX_EXACT_MINOR, 1, "the test sum")).toThrow(AmountOutOfRangeError);
    expect(() => addExact(MAX_EXACT_MINOR, 1, "the test sum")).toThrow(/the test sum exceeds 9007199254740991/);
  });

  it("a store window reaching exactly MAX_SAFE_INTEGER counts the event; the next one is refused with the reason, the sum stays exact", () => {
    const events = logged([event(MAX_EXACT_MINOR - 1), event(1), event(1), event(5, "refund")]);
    const { s, result } = applyAll(events);
    expect(result.outcomes).toEqual(["applied", "applied", "refused", "applied"]);
    expect(result.late.map((l) => [l.offset, l.reason])).toEqual([[2, REFUSED_OUT_OF_RANGE]]);
    const w = viewOf(s, windowKey(M, "EUR"))!;
    expect(w.grossMinor).toBe(MAX_EXACT_MINOR);
    expect(w.refundMinor).toBe(5);
    expect(w.saleCount).toBe(2);
  });

  it("the issue's case: 9,101 sales of 999,999,999,999 are never served as 9100999999990992; the window stops at the last exact sum", () => {
    const events = logged(Array.from({ length: 9101 }, () => event(999_999_999_999)));
    const { s, result } = applyAll(events);
    const fit = Math.floor(MAX_EXACT_MINOR / 999_999_999_999);
    expect(result.outcomes.filter((o) => o === "applied")).toHaveLength(fit);
    expect(result.outcomes.filter((o) => o === "refused")).toHaveLength(9101 - fit);
    const gross = viewOf(s, windowKey(M, "EUR"))!.grossMinor;
    expect(BigInt(gross)).toBe(BigInt(fit) * 999_999_999_999n);
    expect(Number.isSafeInteger(gross)).toBe(true);
  });

  it("the recomputation oracle applies the same rule: same windows, the refused events listed", () => {
    const events = logged([event(MAX_EXACT_MINOR - 10), event(10), event(1), event(2)]);
    const expected = recomputeWindows(events, cfg);
    const { s } = applyAll(events);
    expect(expected.windows[0]!.totals.grossMinor).toBe(viewOf(s, windowKey(M, "EUR"))!.grossMinor);
    expect(expected.refused.map((r) => r.offset)).toEqual([2, 3]);
  });

  it("partition aggregates: a sum of safe store rows past the exact range is marked out of range, never rounded; at the boundary it is exact", () => {
    const row = (storeId: string, grossMinor: number, offset: number) =>
      contributionOf({ storeId, minute: M, currency: "EUR", saleCount: 1, refundCount: 0, grossMinor, refundMinor: 0, itemCount: 1, firstEventAt: M, lastEventAt: M, offset, revision: 1, provisional: false });
    const exact = sumContributions(0, M, "EUR", [row("a", MAX_EXACT_MINOR - 1, 1), row("b", 1, 2)]);
    expect(exact.grossMinor).toBe(MAX_EXACT_MINOR);
    expect(isOutOfRange(exact)).toBe(false);
    const over = sumContributions(0, M, "EUR", [row("a", MAX_EXACT_MINOR - 1, 1), row("b", 2, 2)]);
    expect(isOutOfRange(over)).toBe(true);
    expect(over.version).toBe(exact.version); // the version still orders it
  });
});
