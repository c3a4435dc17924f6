import type { MinuteRow } from "../../domain/minute-row.ts";

/**
 * Which written rows the minute changelog announces: every final row, and an open minute's
 * provisional row at most once per `everyMs` (0: every one). A checkpoint writes each busy window
 * every CHECKPOINT_MS for the commit's sake; PostgreSQL (read by a dashboard that refreshes every
 * 10 s) gained nothing from each of those versions, and each was a Kafka record and an upsert.
 * Skipping a provisional row is always safe: the analytics side keeps the newest (offset, revision)
 * it is given, and the minute's final row is announced whatever came before it.
 */
export class ProvisionalThrottle {
  /** When each window's provisional row was last announced; entries older than everyMs say nothing and are pruned. */
  private readonly announced = new Map<string, number>();
  private prunedAt = 0;

  constructor(private readonly everyMs: number) {}

  select(rows: readonly MinuteRow[], now: number): readonly MinuteRow[] {
    if (this.everyMs <= 0) return rows;
    this.prune(now);
    const out: MinuteRow[] = [];
    for (const r of rows) {
      const key = `${r.storeId}\u0000${r.minute}\u0000${r.currency}`;
      if (!r.provisional) {
        this.announced.delete(key);
        out.push(r);
        continue;
      }
      const at = this.announced.get(key);
      if (at !== undefined && now - at < this.everyMs) continue;
      this.announced.set(key, now);
      out.push(r);
    }
    return out;
  }

  /** Windows remembered (for tests and the heap's sake: at most those announced within everyMs, plus one interval before a prune). */
  get size(): number {
    return this.announced.size;
  }

  private prune(now: number): void {
    if (now - this.prunedAt < this.everyMs) return;
    this.prunedAt = now;
    for (const [key, at] of this.announced) if (now - at >= this.everyMs) this.announced.delete(key);
  }
}
