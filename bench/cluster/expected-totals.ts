/** The recomputation both peers are checked against: per (store, UTC minute, currency) totals of the events pre-filled. */
import type { SaleEvent } from "../../src/domain/event.ts";
import { addEvent, emptyTotals, type MinuteTotals } from "../../src/domain/minute-row.ts";
import { minuteOf } from "../../src/domain/time.ts";

export type Counted = Pick<MinuteTotals, "saleCount" | "refundCount" | "grossMinor" | "refundMinor" | "itemCount">;

export class ExpectedTotals {
  readonly byKey = new Map<string, MinuteTotals>();

  add(e: SaleEvent): void {
    const key = totalsKey(e.storeId, minuteOf(e.occurredAtMs), e.currency);
    let t = this.byKey.get(key);
    if (!t) this.byKey.set(key, (t = emptyTotals()));
    addEvent(t, e);
  }

  /** Differences between `actual` (same keys) and this recomputation: at most `limit` described, all counted. */
  compare(actual: Map<string, Counted>, limit = 5): { equal: boolean; expectedRows: number; actualRows: number; differences: number; examples: string[] } {
    const examples: string[] = [];
    let differences = 0;
    const fields = ["saleCount", "refundCount", "grossMinor", "refundMinor", "itemCount"] as const;
    for (const [key, want] of this.byKey) {
      const got = actual.get(key);
      const bad = !got ? "missing" : fields.filter((f) => got[f] !== want[f]).map((f) => `${f} ${got[f]} ≠ ${want[f]}`).join(", ");
      if (bad) {
        differences++;
        if (examples.length < limit) examples.push(`${key}: ${bad}`);
      }
    }
    for (const key of actual.keys()) {
      if (!this.byKey.has(key)) {
        differences++;
        if (examples.length < limit) examples.push(`${key}: not expected`);
      }
    }
    return { equal: differences === 0, expectedRows: this.byKey.size, actualRows: actual.size, differences, examples };
  }
}

export function totalsKey(storeId: string, minute: number, currency: string): string {
  return `${storeId}|${minute}|${currency}`;
}
