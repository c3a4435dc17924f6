import { netMinor, type MinuteRow, type MinuteTotals } from "../domain/minute-row.ts";
import type { PublicMinute } from "../domain/public-minute.ts";
import { sumContributions, type PartitionTotalsRow } from "../domain/partition-totals.ts";
import { recomputeKey, type ExpectedWindow } from "../domain/recompute.ts";

/**
 * Pure decisions of reconciliation and replay: what differs from the truth (raw history, late
 * events folded in) and which whole rows, at which versions, make it right.
 */

/** Revisions at or above this mark rows written by operations (repair, replay): a processor row at
 * the same offset has a small revision (one per write of an open window), so a repaired row wins
 * over it and over a tombstone written at its timestamp. Cassandra's write timestamp caps revisions at 65535. */
export const REPAIR_REVISION = 32_768;
const MAX_REVISION = 65_535;

export type Target = "cassandra" | "minute_totals" | "partition_totals";
export type MismatchKind = "missing" | "differs" | "unexpected";

/** The measures compared, as the API serves them (first/last event times are informative, not compared). */
export type Measures = Omit<PublicMinute, "minute" | "currency" | "provisional">;

/** A stored copy of one window, from any target (the event ids are not compared). */
export type StoredWindow = Omit<MinuteRow, "eventIds">;

export interface Mismatch {
  target: Target;
  storeId: string;
  minute: number;
  currency: string;
  kind: MismatchKind;
  expected: Measures | null;
  actual: Measures | null;
  lateEvents: number;
  /** Whether the plan rewrites it (unexpected rows are reported, not erased: see docs/airflow.md). */
  repair: boolean;
}

export function measuresOf(t: MinuteTotals): Measures {
  return { saleCount: t.saleCount, refundCount: t.refundCount, grossMinor: t.grossMinor, refundMinor: t.refundMinor, netMinor: netMinor(t), itemCount: t.itemCount };
}

function sameMeasures(a: MinuteTotals, b: MinuteTotals): boolean {
  return a.saleCount === b.saleCount && a.refundCount === b.refundCount && a.grossMinor === b.grossMinor && a.refundMinor === b.refundMinor && a.itemCount === b.itemCount;
}

/** The whole row that replaces `stored` with the expected window, at a version that wins over it. */
export function repairRow(w: ExpectedWindow, stored: Pick<StoredWindow, "offset" | "revision"> | undefined): MinuteRow {
  const revision = Math.min(MAX_REVISION, Math.max(REPAIR_REVISION, (stored?.revision ?? 0) + 1));
  return {
    storeId: w.storeId,
    minute: w.minute,
    currency: w.currency,
    ...w.totals,
    partition: w.partition,
    offset: Math.max(w.offset, stored?.offset ?? -1),
    revision,
    provisional: false,
    eventIds: [...w.eventIds],
  };
}

const keyOf = (r: { storeId: string; minute: number; currency: string }) => recomputeKey(r.storeId, r.minute, r.currency);

export interface TargetPlan {
  mismatches: Mismatch[];
  /** Rows to write whole (mismatches to repair, or every expected window when rewriting all). */
  writes: MinuteRow[];
}

/**
 * Compares one target's stored windows with the expected ones. `rewriteAll` (replay) writes every
 * expected window, not only the differing ones. A stored row for a window with no events in raw
 * history is reported as unexpected and not erased (raw history may lag; a human decides).
 */
export function planTarget(
  target: Exclude<Target, "partition_totals">,
  expected: readonly ExpectedWindow[],
  stored: readonly StoredWindow[],
  lateByKey: ReadonlyMap<string, number>,
  rewriteAll = false,
): TargetPlan {
  const storedByKey = new Map<string, StoredWindow>();
  for (const s of stored) {
    const k = keyOf(s);
    const prev = storedByKey.get(k);
    // two copies (Cassandra's two tables) disagreeing: keep the one that differs from the truth
    if (!prev || !sameMeasures(prev, s)) storedByKey.set(k, prev && prev.revision > s.revision ? { ...s, revision: prev.revision, offset: Math.max(prev.offset, s.offset) } : s);
  }
  const mismatches: Mismatch[] = [];
  const writes: MinuteRow[] = [];
  for (const w of expected) {
    const k = keyOf(w);
    const s = storedByKey.get(k);
    storedByKey.delete(k);
    const at = { target, storeId: w.storeId, minute: w.minute, currency: w.currency, lateEvents: lateByKey.get(k) ?? 0 };
    const differs = !s || !sameMeasures(s, w.totals) || s.provisional;
    if (differs) mismatches.push({ ...at, kind: s ? "differs" : "missing", expected: measuresOf(w.totals), actual: s ? measuresOf(s) : null, repair: true });
    if (differs || rewriteAll) writes.push(repairRow(w, s));
  }
  for (const s of storedByKey.values()) {
    if (s.saleCount + s.refundCount === 0) continue;
    mismatches.push({ target, storeId: s.storeId, minute: s.minute, currency: s.currency, kind: "unexpected", expected: null, actual: measuresOf(s), lateEvents: 0, repair: false });
  }
  return { mismatches, writes };
}

/**
 * All-stores totals per (partition, minute, currency) that differ from the sum of the expected
 * windows, rewritten at a version above the stored one (+2 keeps the "final" parity of the
 * processors' versions) or the version of the repaired rows, whichever is higher.
 */
export function planPartitionTotals(expected: readonly ExpectedWindow[], storedTotals: readonly PartitionTotalsRow[], repairedRows: readonly MinuteRow[]): { mismatches: Mismatch[]; writes: PartitionTotalsRow[] } {
  const repaired = new Map(repairedRows.map((r) => [keyOf(r), r]));
  const groups = new Map<string, { partition: number; minute: number; currency: string; windows: ExpectedWindow[] }>();
  for (const w of expected) {
    const k = `${w.partition}|${w.minute}|${w.currency}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { partition: w.partition, minute: w.minute, currency: w.currency, windows: [] }));
    g.windows.push(w);
  }
  const stored = new Map(storedTotals.map((t) => [`${t.partition}|${t.minute}|${t.currency}`, t]));
  const mismatches: Mismatch[] = [];
  const writes: PartitionTotalsRow[] = [];
  for (const [k, g] of groups) {
    const contributions = g.windows.map((w) => {
      const r = repaired.get(keyOf(w));
      return { totals: w.totals, offset: r?.offset ?? w.offset, revision: r?.revision ?? 0, provisional: false };
    });
    const sum = sumContributions(g.partition, g.minute, g.currency, contributions);
    const s = stored.get(k);
    stored.delete(k);
    if (s && sameMeasures(s, sum) && !s.provisional) continue;
    mismatches.push({ target: "partition_totals", storeId: `partition:${g.partition}`, minute: g.minute, currency: g.currency, kind: s ? "differs" : "missing", expected: measuresOf(sum), actual: s ? measuresOf(s) : null, lateEvents: 0, repair: true });
    writes.push({ ...sum, version: Math.max(sum.version, (s?.version ?? 0) + 2) });
  }
  for (const s of stored.values()) {
    if (s.saleCount + s.refundCount === 0) continue;
    mismatches.push({ target: "partition_totals", storeId: `partition:${s.partition}`, minute: s.minute, currency: s.currency, kind: "unexpected", expected: null, actual: measuresOf(s), lateEvents: 0, repair: false });
  }
  return { mismatches, writes };
}
