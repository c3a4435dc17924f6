import type { Pool } from "pg";
import type { AnalyticsSink } from "./analytics-projection.ts";
import type { ChangelogRow } from "./changelog-record.ts";
import { upsertMinuteTotals } from "./minute-totals-upsert.ts";

/** minute_totals in PostgreSQL: whole-row upserts guarded by (source_offset, revision). */
export class PgMinuteTotals implements Pick<AnalyticsSink, "upsertMinuteTotals"> {
  constructor(private readonly pool: Pool) {}

  async upsertMinuteTotals(rows: readonly ChangelogRow[]): Promise<void> {
    await upsertMinuteTotals(this.pool, rows, true);
  }
}
