import type { OpsContext } from "./ops-context.ts";
import type { RollupRange } from "./rollup-range.ts";

export interface RollupsSummary {
  grain: "hours" | "days";
  from: string;
  to: string;
  rows: number;
  stores: number;
  ms: number;
}

/**
 * Rollups are recomputed from PostgreSQL raw history (not from minute rows): raw history is the
 * truth (late events included, no dependency on Cassandra or on the minute_totals projection's lag),
 * and the whole computation is one INSERT … SELECT … GROUP BY inside PostgreSQL, so no row travels.
 * Rows are upserted whole, so a re-run gives the same table (idempotent); rows are never deleted
 * (rollups outlive raw-history retention).
 *
 * Daily rows use each store's local calendar day when `stores.time_zone` is a zone PostgreSQL
 * knows, else UTC; the zone used is stored in the row.
 */
const MEASURES = `count(*) FILTER (WHERE e.type = 'sale') AS sale_count,
  count(*) FILTER (WHERE e.type = 'refund') AS refund_count,
  coalesce(sum(e.total_minor) FILTER (WHERE e.type = 'sale'), 0) AS gross_minor,
  coalesce(sum(e.total_minor) FILTER (WHERE e.type = 'refund'), 0) AS refund_minor,
  coalesce(sum(e.total_minor) FILTER (WHERE e.type = 'sale'), 0) - coalesce(sum(e.total_minor) FILTER (WHERE e.type = 'refund'), 0) AS net_minor,
  coalesce(sum(e.item_count) FILTER (WHERE e.type = 'sale'), 0) AS item_count`;
const SET = `sale_count = excluded.sale_count, refund_count = excluded.refund_count, gross_minor = excluded.gross_minor,
  refund_minor = excluded.refund_minor, net_minor = excluded.net_minor, item_count = excluded.item_count, updated_at = now()`;

export async function runRollups(ctx: OpsContext, range: RollupRange): Promise<RollupsSummary> {
  const t0 = Date.now();
  if (range.grain === "hours") {
    ctx.progress(`hourly rollups ${range.from.toISOString()} .. ${range.to.toISOString()}`);
    const r = await ctx.pool.query(
      `INSERT INTO sales_hourly AS h (store_id, hour, currency, sale_count, refund_count, gross_minor, refund_minor, net_minor, item_count)
       SELECT e.store_id, date_trunc('hour', e.occurred_at), e.currency, ${MEASURES}
       FROM raw_events e WHERE e.occurred_at >= $1 AND e.occurred_at < $2
       GROUP BY 1, 2, 3
       ON CONFLICT (store_id, hour, currency) DO UPDATE SET ${SET}
       RETURNING store_id`,
      [range.from, range.to],
    );
    return summary("hours", range.from.toISOString(), range.to.toISOString(), r.rows, t0);
  }
  ctx.progress(`daily rollups ${range.fromDay} .. ${range.toDay} (each store's local day)`);
  // zones are at most 14 h from UTC: read a little more raw history and keep the local days in range
  const r = await ctx.pool.query(
    `WITH zoned AS (
       SELECT e.*, coalesce(z.name, 'UTC') AS zone
       FROM raw_events e
       LEFT JOIN stores s ON s.store_id = e.store_id
       LEFT JOIN pg_timezone_names z ON z.name = s.time_zone
       WHERE e.occurred_at >= ($1::date - interval '1 day') AND e.occurred_at < ($2::date + interval '1 day')
     ), local AS (
       SELECT zoned.*, (occurred_at AT TIME ZONE zone)::date AS day FROM zoned
     )
     INSERT INTO sales_daily AS d (store_id, day, time_zone, currency, sale_count, refund_count, gross_minor, refund_minor, net_minor, item_count)
     SELECT e.store_id, e.day, e.zone, e.currency, ${MEASURES}
     FROM local e WHERE e.day >= $1::date AND e.day < $2::date
     GROUP BY e.store_id, e.day, e.zone, e.currency
     ON CONFLICT (store_id, day, currency) DO UPDATE SET time_zone = excluded.time_zone, ${SET}
     RETURNING store_id`,
    [range.fromDay, range.toDay],
  );
  return summary("days", range.fromDay, range.toDay, r.rows, t0);
}

function summary(grain: "hours" | "days", from: string, to: string, rows: { store_id: string }[], t0: number): RollupsSummary {
  return { grain, from, to, rows: rows.length, stores: new Set(rows.map((r) => r.store_id)).size, ms: Date.now() - t0 };
}
