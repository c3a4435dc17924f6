import type Database from "better-sqlite3";
import type { LateEvent } from "../../domain/store-windows.ts";
import { lateRecordOf, type LateEventRecord, type LateEvents } from "../ports.ts";
import type { SqliteWriteQueue } from "./sqlite-write-queue.ts";

/** Late events in projections.sqlite, the embedded stand-in for PostgreSQL's late_events. */
export class SqliteLateEvents implements LateEvents {
  private readonly insertLate: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly writes: SqliteWriteQueue,
  ) {
    this.insertLate = this.db.prepare(`INSERT OR IGNORE INTO late_events VALUES (@partition, @offset, @eventId, @storeId, @occurredAt,
      @occurredAtMs, @type, @currency, @totalMinor, @appendTime, @reason)`);
  }

  recordLate(events: readonly LateEvent[]): Promise<void> {
    return this.writes.write(() => {
      for (const l of events) this.insertLate.run({ ...lateRecordOf(l), occurredAtMs: l.event.occurredAtMs });
    });
  }

  async listLate(opts: { from: number; to: number; storeId?: string; limit: number }): Promise<LateEventRecord[]> {
    const where = opts.storeId ? "AND store_id = ?" : "";
    const params: (string | number)[] = [opts.from, opts.to];
    if (opts.storeId) params.push(opts.storeId);
    params.push(opts.limit);
    return this.db
      .prepare(
        `SELECT event_id AS eventId, store_id AS storeId, occurred_at AS occurredAt, type, currency, total_minor AS totalMinor,
         partition, offset, append_time AS appendTime, reason FROM late_events
         WHERE occurred_at_ms >= ? AND occurred_at_ms < ? ${where} ORDER BY occurred_at_ms LIMIT ?`,
      )
      .all(...params) as LateEventRecord[];
  }
}
