import type { Pool } from "pg";
import type { SaleEvent } from "../../domain/event.ts";
import type { LoggedEvent } from "../../domain/store-windows.ts";
import type { RawHistory } from "../ports.ts";

/** Raw history in PostgreSQL (raw_events): unique on event id for all time. */
export class PgRawHistory implements RawHistory {
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
}
