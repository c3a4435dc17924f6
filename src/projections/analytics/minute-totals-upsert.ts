import type { Pool } from "pg";
import { netMinor } from "../../domain/minute-row.ts";
import type { ChangelogRow } from "./changelog-record.ts";

const CHUNK = 1000;

/**
 * The one whole-row upsert of PostgreSQL `minute_totals`. `onlyOverOlder`: a stored row with an
 * equal or higher (source_offset, revision) is kept (the analytics consumer, which may see a row
 * again); without it the row is overwritten (operations' repairs, whose rows carry a winning
 * revision: see reconcile-plan.ts).
 */
export async function upsertMinuteTotals(pool: Pick<Pool, "query">, rows: readonly ChangelogRow[], onlyOverOlder: boolean): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    const column = <T>(f: (r: ChangelogRow) => T) => chunk.map(f);
    await pool.query(
      `INSERT INTO minute_totals AS t (store_id, minute, currency, sale_count, refund_count, gross_minor, refund_minor, net_minor, item_count, provisional, source_partition, source_offset, revision)
       SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::char(3)[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::boolean[], $11::int[], $12::bigint[], $13::int[])
       ON CONFLICT (store_id, minute, currency) DO UPDATE SET sale_count = excluded.sale_count, refund_count = excluded.refund_count,
         gross_minor = excluded.gross_minor, refund_minor = excluded.refund_minor, net_minor = excluded.net_minor, item_count = excluded.item_count,
         provisional = excluded.provisional, source_partition = excluded.source_partition, source_offset = excluded.source_offset,
         revision = excluded.revision, updated_at = now()
       ${onlyOverOlder ? "WHERE (excluded.source_offset, excluded.revision) > (t.source_offset, t.revision)" : ""}`,
      [
        column((r) => r.storeId),
        column((r) => new Date(r.minute).toISOString()),
        column((r) => r.currency),
        column((r) => r.saleCount),
        column((r) => r.refundCount),
        column((r) => r.grossMinor),
        column((r) => r.refundMinor),
        column((r) => netMinor({ ...r, firstEventAt: null, lastEventAt: null })),
        column((r) => r.itemCount),
        column((r) => r.provisional),
        column((r) => r.partition),
        column((r) => r.offset),
        column((r) => r.revision),
      ],
    );
  }
}
