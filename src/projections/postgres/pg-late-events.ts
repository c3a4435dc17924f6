import type { Pool } from "pg";
import { parseRfc3339 } from "../../domain/rfc3339.ts";
import type { LateEvent } from "../../domain/store-windows.ts";
import { lateRecordOf, type LateEventRecord, type LateEvents } from "../ports.ts";

/**
 * occurredAt as the instant the windows use (the contract keeps it to the millisecond): given a finer
 * fraction, PostgreSQL would round it, and ".9999996" at a minute's end would fall in the next minute.
 */
function instantText(occurredAt: string): string {
  const ms = parseRfc3339(occurredAt);
  return ms === undefined ? occurredAt : new Date(ms).toISOString();
}

/**
 * Events that arrived after their window was final (late_events), for the late-events query and
 * reconciliation. In the running pipeline only the analytics consumer group writes here (from the
 * changelog, see changelog-late-events.ts); the insert is idempotent on the log position.
 */
export class PgLateEvents implements LateEvents {
  constructor(private readonly pool: Pool) {}

  recordLate(events: readonly LateEvent[]): Promise<void> {
    return this.insertLateEvents(events.map(lateRecordOf));
  }

  async insertLateEvents(recs: readonly LateEventRecord[]): Promise<void> {
    if (!recs.length) return;
    await this.pool.query(
      `INSERT INTO late_events (source_partition, source_offset, event_id, store_id, occurred_at, type, currency, total_minor, appended_at, reason)
       SELECT * FROM unnest($1::int[], $2::bigint[], $3::uuid[], $4::text[], $5::timestamptz[], $6::text[], $7::char(3)[], $8::bigint[], $9::timestamptz[], $10::text[])
       ON CONFLICT DO NOTHING`,
      [recs.map((r) => r.partition), recs.map((r) => r.offset), recs.map((r) => r.eventId), recs.map((r) => r.storeId), recs.map((r) => instantText(r.occurredAt)),
        recs.map((r) => r.type), recs.map((r) => r.currency), recs.map((r) => r.totalMinor), recs.map((r) => new Date(r.appendTime).toISOString()), recs.map((r) => r.reason)],
    );
  }

  async listLate(opts: { from: number; to: number; storeId?: string; limit: number }): Promise<LateEventRecord[]> {
    const r = await this.pool.query(
      `SELECT event_id, store_id, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at, type, currency, total_minor,
              source_partition, source_offset, (extract(epoch FROM appended_at) * 1000)::bigint AS appended_ms, reason
       FROM late_events WHERE occurred_at >= $1 AND occurred_at < $2 AND ($3::text IS NULL OR store_id = $3) ORDER BY occurred_at LIMIT $4`,
      [new Date(opts.from), new Date(opts.to), opts.storeId ?? null, opts.limit],
    );
    return r.rows.map((row) => ({
      eventId: row.event_id,
      storeId: row.store_id,
      occurredAt: row.occurred_at,
      type: row.type,
      currency: row.currency,
      totalMinor: Number(row.total_minor),
      partition: row.source_partition,
      offset: Number(row.source_offset),
      appendTime: Number(row.appended_ms),
      reason: row.reason,
    }));
  }
}
