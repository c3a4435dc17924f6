import type { Pool } from "pg";
import { netMinor } from "../../domain/minute-row.ts";
import type { AnalyticsSink } from "./analytics-projection.ts";
import type { ChangelogRow } from "./changelog-record.ts";

/** minute_totals in PostgreSQL: whole-row upserts guarded by (source_offset, revision). */
export class PgMinuteTotals implements Pick<AnalyticsSink, "upsertMinuteTotals"> {
  constructor(private readonly pool: Pool) {}

  async upsertMinuteTotals(rows: readonly ChangelogRow[]): Promise<void> {
    if (!rows.length) return;
    await this.pool.query(
      `INSERT INTO minute_totals AS t (store_id, minute, currency, sale_count, refund_count, gross_minor, refund_minor, net_minor, item_count, provisional, source_partition, source_offset, revision)
       SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::char(3)[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::boolean[], $11::int[], $12::bigint[], $13::int[])
       ON CONFLICT (store_id, minute, currency) DO UPDATE SET sale_count = excluded.sale_count, refund_count = excluded.refund_count,
         gross_minor = excluded.gross_minor, refund_minor = excluded.refund_minor, net_minor = excluded.net_minor, item_count = excluded.item_count,
         provisional = excluded.provisional, source_partition = excluded.source_partition, source_offset = excluded.source_offset,
         revision = excluded.revision, updated_at = now()
       WHERE (excluded.source_offset, excluded.revision) > (t.source_offset, t.revision)`,
      [
        rows.map((r) => r.storeId),
        rows.map((r) => new Date(r.minute).toISOString()),
        rows.map((r) => r.currency),
        rows.map((r) => r.saleCount),
        rows.map((r) => r.refundCount),
        rows.map((r) => r.grossMinor),
        rows.map((r) => r.refundMinor),
        rows.map((r) => netMinor({ ...r, firstEventAt: null, lastEventAt: null })),
        rows.map((r) => r.itemCount),
        rows.map((r) => r.provisional),
        rows.map((r) => r.partition),
        rows.map((r) => r.offset),
        rows.map((r) => r.revision),
      ],
    );
  }
}
