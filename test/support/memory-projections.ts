import type { MinuteRow } from "../../src/domain/minute-row.ts";
import type { PartitionTotalsRow } from "../../src/domain/partition-totals.ts";
import type { LateEvent, LoggedEvent, WindowKey } from "../../src/domain/store-windows.ts";
import { lateRecordOf, type LateEventRecord, type LateEvents, type MinuteProjection, type RawHistory } from "../../src/projections/ports.ts";

function rowKey(storeId: string, minute: number, currency: string): string {
  return `${storeId}\u0000${minute}\u0000${currency}`;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * In-memory projections with the semantics of the embedded SQLite ones (whole-row upserts that never
 * go back to a lower offset of the same partition, or at the same offset to a lower revision; late events unique on (partition, offset), raw
 * history unique on eventId). Nothing persists: for tests and for running the pipeline without disk.
 * Everything going in or out is copied, so callers can never alias the stored state.
 */
export class MemoryProjections implements MinuteProjection, LateEvents, RawHistory {
  private readonly rows = new Map<string, MinuteRow>();
  private readonly totals = new Map<string, PartitionTotalsRow>();
  private readonly late = new Map<string, LateEventRecord & { occurredAtMs: number }>();
  private readonly raw = new Map<string, LoggedEvent>();
  private closed = false;

  private check(): void {
    if (this.closed) throw new Error("MemoryProjections is closed");
  }

  async loadRows(storeId: string, keys: readonly WindowKey[]): Promise<MinuteRow[]> {
    this.check();
    const out: MinuteRow[] = [];
    for (const k of keys) {
      const r = this.rows.get(rowKey(storeId, k.minute, k.currency));
      if (r) out.push(structuredClone(r));
    }
    return out;
  }

  async writeRows(rows: readonly MinuteRow[]): Promise<void> {
    this.check();
    for (const r of rows) {
      const key = rowKey(r.storeId, r.minute, r.currency);
      const old = this.rows.get(key);
      if (old && old.partition === r.partition && (r.offset < old.offset || (r.offset === old.offset && r.revision < old.revision))) continue;
      // With idsFrom the row carries only the ids after the first idsFrom stored ones (see MinuteRow).
      const { idsFrom, ...row } = structuredClone(r);
      const kept = idsFrom ? (old?.eventIds ?? []).slice(0, idsFrom) : [];
      if (kept.length < (idsFrom ?? 0)) throw new Error(`event ids of ${key}: ${kept.length} stored, the row appends at ${idsFrom}`);
      this.rows.set(key, { ...row, eventIds: kept.concat(row.eventIds) });
    }
  }

  private range(pred: (r: MinuteRow) => boolean): MinuteRow[] {
    const out: MinuteRow[] = [];
    for (const r of this.rows.values()) if (pred(r)) out.push({ ...structuredClone(r), eventIds: [] });
    return out;
  }

  async storeRows(storeId: string, from: number, to: number): Promise<MinuteRow[]> {
    this.check();
    return this.range((r) => r.storeId === storeId && r.minute >= from && r.minute < to).sort(
      (a, b) => a.minute - b.minute || cmp(a.currency, b.currency),
    );
  }

  async allRows(from: number, to: number): Promise<MinuteRow[]> {
    this.check();
    return this.range((r) => r.minute >= from && r.minute < to).sort(
      (a, b) => a.minute - b.minute || cmp(a.currency, b.currency) || cmp(a.storeId, b.storeId),
    );
  }

  async loadPartitionMinute(partition: number, minute: number): Promise<{ rows: MinuteRow[]; totals: PartitionTotalsRow[] }> {
    this.check();
    return {
      rows: this.range((r) => r.partition === partition && r.minute === minute),
      totals: [...this.totals.values()].filter((t) => t.partition === partition && t.minute === minute).map((t) => ({ ...t })),
    };
  }

  async writePartitionTotals(rows: readonly PartitionTotalsRow[]): Promise<void> {
    this.check();
    for (const r of rows) {
      const key = `${r.minute}\u0000${r.currency}\u0000${r.partition}`;
      const old = this.totals.get(key);
      if (old && r.version < old.version) continue;
      this.totals.set(key, { ...r });
    }
  }

  async partitionTotals(from: number, to: number): Promise<PartitionTotalsRow[]> {
    this.check();
    return [...this.totals.values()]
      .filter((t) => t.minute >= from && t.minute < to)
      .map((t) => ({ ...t }))
      .sort((a, b) => a.minute - b.minute || cmp(a.currency, b.currency) || a.partition - b.partition);
  }

  async recordLate(events: readonly LateEvent[]): Promise<void> {
    this.check();
    for (const l of events) {
      const key = `${l.partition}:${l.offset}`;
      if (!this.late.has(key)) this.late.set(key, { ...lateRecordOf(l), occurredAtMs: l.event.occurredAtMs });
    }
  }

  async listLate(opts: { from: number; to: number; storeId?: string; limit: number }): Promise<LateEventRecord[]> {
    this.check();
    return [...this.late.values()]
      .filter((l) => l.occurredAtMs >= opts.from && l.occurredAtMs < opts.to && (!opts.storeId || l.storeId === opts.storeId))
      .sort((a, b) => a.occurredAtMs - b.occurredAtMs || a.partition - b.partition || a.offset - b.offset)
      .slice(0, Math.max(0, opts.limit))
      .map(({ occurredAtMs: _ms, ...rec }) => ({ ...rec }));
  }

  async insertEvents(events: readonly LoggedEvent[]): Promise<number> {
    this.check();
    let inserted = 0;
    for (const l of events) {
      if (this.raw.has(l.event.eventId)) continue;
      this.raw.set(l.event.eventId, structuredClone(l));
      inserted += 1;
    }
    return inserted;
  }

  async eventsBetween(from: number, to: number): Promise<LoggedEvent[]> {
    this.check();
    return [...this.raw.values()]
      .filter((l) => l.event.occurredAtMs >= from && l.event.occurredAtMs < to)
      .sort((a, b) => a.partition - b.partition || a.offset - b.offset)
      .map((l) => structuredClone(l));
  }

  async count(): Promise<number> {
    this.check();
    return this.raw.size;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
