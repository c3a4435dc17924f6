import type { Pool } from "pg";

export interface ReconcileDrift {
  mismatches: number;
  unrepaired: number;
  finishedAtSeconds: number;
}

/** The last finished reconciliation run (for the drift gauge in /metrics); null before the first. */
export async function lastReconciliation(pool: Pool): Promise<ReconcileDrift | null> {
  const r = await pool.query<{ mismatches: string; repaired: string; finished: string }>(
    `SELECT mismatches, repaired, extract(epoch FROM finished_at) AS finished FROM reconciliation_runs
     WHERE finished_at IS NOT NULL AND status <> 'failed' ORDER BY run_id DESC LIMIT 1`,
  );
  const row = r.rows[0];
  return row ? { mismatches: Number(row.mismatches), unrepaired: Number(row.mismatches) - Number(row.repaired), finishedAtSeconds: Math.round(Number(row.finished)) } : null;
}
