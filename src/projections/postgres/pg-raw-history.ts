import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Pool, PoolClient } from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { RecordRejectedError } from "../../shared/record-rejected-error.ts";
import type { SaleEvent } from "../../domain/event.ts";
import type { LoggedEvent } from "../../domain/store-windows.ts";
import { jsonOfLines } from "../../shared/json-text.ts";
import type { RawHistory } from "../ports.ts";
import { CopyBinaryBuffer } from "./copy-binary.ts";

const COLUMNS = "event_id, store_id, occurred_at, type, currency, total_minor, item_count, lines, source_partition, source_offset, appended_at";
const COLUMN_COUNT = 11;

function copyInto(client: PoolClient, table: string, rows: Buffer): Promise<void> {
  return pipeline(Readable.from([rows]), client.query(copyFrom(`COPY ${table} (${COLUMNS}) FROM STDIN (FORMAT binary)`)));
}

/** The batch holds an id raw_events already has (or holds it twice). */
function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown }).code === "23505";
}

/**
 * The raw_events rows of a batch in binary COPY format, in the order of COLUMNS. occurred_at is the
 * instant the windows use (occurredAtMs, the contract keeps it to the millisecond): as text,
 * PostgreSQL would round a finer fraction, and ".9999996" at a minute's end would land in the next
 * minute (or hour, or day) for reconciliation, rollups and retention.
 */
function copyRows(events: readonly LoggedEvent[]): Buffer {
  const out = new CopyBinaryBuffer(events.length * 300);
  for (const l of events) {
    const e = l.event;
    try {
      out.row(COLUMN_COUNT).uuid(e.eventId).text(e.storeId).timestamptz(e.occurredAtMs).text(e.type).text(e.currency).int8(e.totalMinor).int4(e.itemCount);
      out.jsonb(jsonOfLines(e.lines)).int4(l.partition).int8(l.offset).timestamptz(l.appendTime);
    } catch (err) {
      // A value no column can hold: as deterministic as PostgreSQL's own refusal of it would be.
      if (err instanceof RangeError) throw new RecordRejectedError(`raw_events cannot hold the event at ${l.partition}/${l.offset}: ${err.message}`);
      throw err;
    }
  }
  return out.end();
}

/**
 * Raw history in PostgreSQL (raw_events): unique on event id for all time.
 *
 * A batch goes in by one COPY straight into raw_events. COPY cannot skip duplicates, so a batch
 * holding an id already stored (a replay after a crash, a resend the best-effort ingest index let
 * through) fails on the key and goes in again the slow way: COPY into a session-local staging
 * table, then one INSERT … ON CONFLICT DO NOTHING in log order, so the first copy of an id wins.
 * Measured with bench/cluster/raw-history-ab.ts: the staging path cost about a fifth less CPU than
 * eleven `unnest` array parameters, and the direct COPY less again (docs/benchmarks-cluster.md).
 */
export class PgRawHistory implements RawHistory {
  /** Connections whose staging table exists (temporary tables live as long as their session). */
  private readonly staged = new WeakSet<PoolClient>();

  constructor(private readonly pool: Pool) {}

  async insertEvents(events: readonly LoggedEvent[]): Promise<number> {
    if (!events.length) return 0;
    const rows = copyRows(events);
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      const direct = await this.inTransaction(client, async () => {
        await copyInto(client, "raw_events", rows);
        return events.length;
      }).catch((err: unknown) => {
        if (isUniqueViolation(err)) return null;
        throw err;
      });
      if (direct !== null) return direct;
      if (!this.staged.has(client)) {
        await client.query(`CREATE TEMP TABLE IF NOT EXISTS raw_events_stage (LIKE raw_events INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`);
        this.staged.add(client);
      }
      return await this.inTransaction(client, async () => {
        await copyInto(client, "raw_events_stage", rows);
        // In log order, so of two copies of an id in one batch the first is kept.
        const r = await client.query(
          `INSERT INTO raw_events (${COLUMNS}) SELECT ${COLUMNS} FROM raw_events_stage ORDER BY source_partition, source_offset ON CONFLICT (event_id) DO NOTHING`,
        );
        return r.rowCount ?? 0;
      });
    } catch (err) {
      broken = err as Error;
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /** Runs `work` in a transaction on `client`, rolled back when it fails (with the work's error; a client whose rollback failed fails its next query, and a failed batch is not reused). */
  private async inTransaction<T>(client: PoolClient, work: () => Promise<T>): Promise<T> {
    await client.query("BEGIN");
    try {
      const result = await work();
      await client.query("COMMIT");
      return result;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    }
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
