import type { Pool } from "pg";
import type { SaleEvent } from "../../domain/event.ts";
import { netMinor, type MinuteRow } from "../../domain/minute-row.ts";
import type { LateEvent, LoggedEvent } from "../../domain/store-windows.ts";
import type { RecordedId, SeenIds } from "../../event-log/ports.ts";
import { lateRecordOf, type LateEventRecord, type LateEvents, type RawHistory } from "../ports.ts";

/** PostgreSQL: raw history, late events, the ingest id index, and the minute mirror Superset reads. */
export class PgStore implements RawHistory, LateEvents, SeenIds {
  constructor(private readonly pool: Pool) {}

  async insertEvents(events: readonly LoggedEvent[]): Promise<number> {
    if (!events.length) return 0;
    const e = events.map((l) => l.event);
    const r = await this.pool.query(
      `INSERT INTO raw_events (event_id, store_id, occurred_at, type, currency, total_minor, item_count, lines, source_partition, source_offset, appended_at)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[], $5::char(3)[], $6::bigint[], $7::int[], $8::jsonb[], $9::int[], $10::bigint[], $11::timestamptz[])
       ON CONFLICT (event_id) DO NOTHING`,
      [
        e.map((x) => x.eventId),
        e.map((x) => x.storeId),
        e.map((x) => x.occurredAt),
        e.map((x) => x.type),
        e.map((x) => x.currency),
        e.map((x) => x.totalMinor),
        e.map((x) => x.itemCount),
        e.map((x) => JSON.stringify(x.lines)),
        events.map((l) => l.partition),
        events.map((l) => l.offset),
        events.map((l) => new Date(l.appendTime).toISOString()),
      ],
    );
    return r.rowCount ?? 0;
  }

  async eventsBetween(from: number, to: number): Promise<LoggedEvent[]> {
    const r = await this.pool.query(
      `SELECT event_id, store_id, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at, type, currency, total_minor, item_count, lines,
              source_partition, source_offset, (extract(epoch FROM appended_at) * 1000)::bigint AS appended_ms
       FROM raw_events WHERE occurred_at >= $1 AND occurred_at < $2 ORDER BY source_partition, source_offset`,
      [new Date(from), new Date(to)],
    );
    return r.rows.map((row) => {
      const event: SaleEvent = {
        eventId: row.event_id,
        storeId: row.store_id,
        occurredAt: row.occurred_at,
        occurredAtMs: Date.parse(row.occurred_at),
        type: row.type,
        currency: row.currency,
        lines: row.lines,
        totalMinor: Number(row.total_minor),
        itemCount: Number(row.item_count),
      };
      return { partition: row.source_partition, offset: Number(row.source_offset), appendTime: Number(row.appended_ms), event };
    });
  }

  async count(): Promise<number> {
    return Number((await this.pool.query("SELECT count(*) AS n FROM raw_events")).rows[0].n);
  }

  async recordLate(events: readonly LateEvent[]): Promise<void> {
    if (!events.length) return;
    const recs = events.map(lateRecordOf);
    await this.pool.query(
      `INSERT INTO late_events (source_partition, source_offset, event_id, store_id, occurred_at, type, currency, total_minor, appended_at, reason)
       SELECT * FROM unnest($1::int[], $2::bigint[], $3::uuid[], $4::text[], $5::timestamptz[], $6::text[], $7::char(3)[], $8::bigint[], $9::timestamptz[], $10::text[])
       ON CONFLICT DO NOTHING`,
      [recs.map((r) => r.partition), recs.map((r) => r.offset), recs.map((r) => r.eventId), recs.map((r) => r.storeId), recs.map((r) => r.occurredAt),
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

  async seen(ids: readonly string[]): Promise<Map<string, bigint | null>> {
    if (!ids.length) return new Map();
    const r = await this.pool.query<{ event_id: string; fingerprint: string | null }>(
      "SELECT event_id, fingerprint FROM ingest_event_ids WHERE event_id = ANY($1::uuid[])",
      [ids],
    );
    return new Map(r.rows.map((x) => [x.event_id, x.fingerprint === null ? null : BigInt(x.fingerprint)]));
  }

  async remember(ids: readonly RecordedId[]): Promise<void> {
    if (!ids.length) return;
    await this.pool.query("INSERT INTO ingest_event_ids (event_id, fingerprint) SELECT * FROM unnest($1::uuid[], $2::bigint[]) ON CONFLICT DO NOTHING", [
      ids.map((i) => i.eventId),
      ids.map((i) => i.fingerprint.toString()),
    ]);
  }

  /** Mirrors minute rows for Superset; never moves a row backwards. */
  async mirrorRows(rows: readonly MinuteRow[]): Promise<void> {
    if (!rows.length) return;
    await this.pool.query(
      `INSERT INTO minute_totals AS t (store_id, minute, currency, sale_count, refund_count, gross_minor, refund_minor, net_minor, item_count, provisional, source_partition, source_offset, revision)
       SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::char(3)[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::boolean[], $11::int[], $12::bigint[], $13::int[])
       ON CONFLICT (store_id, minute, currency) DO UPDATE SET sale_count = excluded.sale_count, refund_count = excluded.refund_count,
         gross_minor = excluded.gross_minor, refund_minor = excluded.refund_minor, net_minor = excluded.net_minor, item_count = excluded.item_count,
         provisional = excluded.provisional, source_partition = excluded.source_partition, source_offset = excluded.source_offset,
         revision = excluded.revision, updated_at = now()
       WHERE (excluded.source_offset, excluded.revision) >= (t.source_offset, t.revision)`,
      [rows.map((r) => r.storeId), rows.map((r) => new Date(r.minute).toISOString()), rows.map((r) => r.currency), rows.map((r) => r.saleCount),
        rows.map((r) => r.refundCount), rows.map((r) => r.grossMinor), rows.map((r) => r.refundMinor), rows.map((r) => netMinor(r)), rows.map((r) => r.itemCount),
        rows.map((r) => r.provisional), rows.map((r) => r.partition), rows.map((r) => r.offset), rows.map((r) => r.revision)],
    );
  }
}
