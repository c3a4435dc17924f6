import type { Pool } from "pg";
import type { WindowingConfig } from "../../src/domain/windowing-config.ts";
import { recomputeKey, recomputeWindows } from "../../src/domain/recompute.ts";
import type { MinuteProjection, RawHistory } from "../../src/projections/ports.ts";
import { reconcile } from "../../src/operations/reconcile-report.ts";

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** Raw history holds every acknowledged event once, and nothing else (poison records never reach it). */
export async function checkRawHistory(history: RawHistory, acked: ReadonlySet<string>, from: number, to: number): Promise<Check> {
  const ids = (await history.eventsBetween(from, to)).map((e) => e.event.eventId);
  const unique = new Set(ids);
  const missing = [...acked].filter((id) => !unique.has(id));
  const extra = [...unique].filter((id) => !acked.has(id));
  return {
    name: "raw history = acknowledged events",
    ok: missing.length === 0 && extra.length === 0 && unique.size === ids.length,
    detail: `${acked.size} acknowledged, ${unique.size} in raw history, ${missing.length} missing, ${extra.length} not acknowledged, ${ids.length - unique.size} twice`,
  };
}

/** Every Cassandra minute row equals the recomputation from raw history (reconcile). */
export async function checkCassandra(minutes: MinuteProjection, history: RawHistory, from: number, to: number, cfg: WindowingConfig): Promise<Check> {
  const r = await reconcile(minutes, history, from, to, cfg);
  return {
    name: "Cassandra rows = recomputation from raw history",
    ok: r.diffs.length === 0 && r.expectedWindows > 0,
    detail: `${r.expectedWindows} windows expected, ${r.storedWindows} stored, ${r.late} late events left out, ${r.diffs.length} differences${r.diffs.length ? `: ${JSON.stringify(r.diffs.slice(0, 5))}` : ""}`,
  };
}

/** Every row of the PostgreSQL table Superset reads equals the recomputation from raw history. */
export async function checkPostgresMinutes(pool: Pool, history: RawHistory, from: number, to: number, cfg: WindowingConfig): Promise<Check> {
  const expected = recomputeWindows(await history.eventsBetween(from, to), cfg).windows;
  const r = await pool.query(
    `SELECT store_id, (extract(epoch FROM minute) * 1000)::bigint AS minute_ms, currency, sale_count, refund_count, gross_minor, refund_minor, item_count
     FROM minute_totals WHERE minute >= $1 AND minute < $2`,
    [new Date(from), new Date(to)],
  );
  const stored = new Map(r.rows.map((row) => [recomputeKey(row.store_id, Number(row.minute_ms), row.currency), row]));
  const diffs: string[] = [];
  for (const w of expected) {
    const key = recomputeKey(w.storeId, w.minute, w.currency);
    const row = stored.get(key);
    stored.delete(key);
    if (!row) diffs.push(`${key} missing`);
    else {
      const t = w.totals;
      const got = [row.sale_count, row.refund_count, row.gross_minor, row.refund_minor, row.item_count].map(Number);
      const want = [t.saleCount, t.refundCount, t.grossMinor, t.refundMinor, t.itemCount];
      if (got.some((v, i) => v !== want[i])) diffs.push(`${key} ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`);
    }
  }
  for (const [key, row] of stored) if (Number(row.sale_count) + Number(row.refund_count) > 0) diffs.push(`${key} unexpected`);
  return {
    name: "PostgreSQL minute_totals = recomputation from raw history",
    ok: diffs.length === 0 && expected.length > 0,
    detail: `${expected.length} windows expected, ${r.rows.length} stored, ${diffs.length} differences${diffs.length ? `: ${diffs.slice(0, 5).join("; ")}` : ""}`,
  };
}

/** Every poison record is in the dead-letter topic with a reason. */
export function checkDeadLetters(poison: readonly { partition: number; offset: number; what: string }[], dead: ReadonlyMap<string, string>): Check {
  const missing = poison.filter((p) => !dead.get(`${p.partition}:${p.offset}`));
  return {
    name: "every poison record dead-lettered with its reason",
    ok: missing.length === 0,
    detail: `${poison.length} written, ${poison.length - missing.length} in the DLQ${missing.length ? `; missing: ${missing.map((m) => m.what).join(", ")}` : ""}; reasons: ${poison
      .map((p) => `${p.what} → ${dead.get(`${p.partition}:${p.offset}`) ?? "?"}`)
      .join(" | ")
      .slice(0, 1500)}`,
  };
}
