import { recomputeWindows, recomputeKey } from "../domain/recompute.ts";
import { netMinor, type MinuteTotals } from "../domain/minute-row.ts";
import { isoMinute } from "../domain/time.ts";
import type { WindowingConfig } from "../domain/windowing-config.ts";
import type { MinuteProjection, RawHistory } from "../projections/ports.ts";

export interface WindowDiff {
  storeId: string;
  minute: string;
  currency: string;
  field: keyof MinuteTotals | "netMinor" | "missing" | "unexpected";
  expected: number | null;
  actual: number | null;
}

export interface ReconcileReport {
  from: string;
  to: string;
  rawEvents: number;
  expectedWindows: number;
  storedWindows: number;
  late: number;
  /** Events refused because their window's sums would leave the exact range (docs/money.md). */
  refused: number;
  diffs: WindowDiff[];
}

const FIELDS = ["saleCount", "refundCount", "grossMinor", "refundMinor", "itemCount"] as const;

/**
 * Compares the served minute rows with a recomputation from raw history over [from, to).
 * Raw history is the truth: a diff means lost or double-counted events.
 */
export async function reconcile(
  minutes: MinuteProjection,
  history: RawHistory,
  from: number,
  to: number,
  cfg: WindowingConfig,
  includeStore: (storeId: string) => boolean = () => true,
): Promise<ReconcileReport> {
  const events = (await history.eventsBetween(from, to)).filter((e) => includeStore(e.event.storeId));
  const expected = recomputeWindows(events, cfg);
  const stored = (await minutes.allRows(from, to)).filter((r) => includeStore(r.storeId));
  const storedByKey = new Map(stored.map((r) => [recomputeKey(r.storeId, r.minute, r.currency), r]));
  const diffs: WindowDiff[] = [];
  for (const w of expected.windows) {
    const key = recomputeKey(w.storeId, w.minute, w.currency);
    const row = storedByKey.get(key);
    storedByKey.delete(key);
    const at = { storeId: w.storeId, minute: isoMinute(w.minute), currency: w.currency };
    if (!row) {
      diffs.push({ ...at, field: "missing", expected: netMinor(w.totals), actual: null });
      continue;
    }
    // A stored amount that is not a safe integer was rounded (docs/money.md): always a difference.
    for (const f of FIELDS) if (row[f] !== w.totals[f] || !Number.isSafeInteger(row[f])) diffs.push({ ...at, field: f, expected: w.totals[f], actual: row[f] });
  }
  for (const row of storedByKey.values()) {
    if (row.saleCount + row.refundCount === 0) continue;
    diffs.push({ storeId: row.storeId, minute: isoMinute(row.minute), currency: row.currency, field: "unexpected", expected: null, actual: netMinor(row) });
  }
  return {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    rawEvents: events.length,
    expectedWindows: expected.windows.length,
    storedWindows: stored.length,
    late: expected.late.length,
    refused: expected.refused.length,
    diffs,
  };
}
