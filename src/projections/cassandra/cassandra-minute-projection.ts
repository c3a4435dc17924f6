import cassandra, { type Client, type QueryOptions, type types } from "cassandra-driver";
import pLimit from "p-limit";
import { GroupCommit } from "../../shared/group-commit.ts";
import { idsOfChunks, type IdChunk } from "../../domain/event-id-chunks.ts";
import type { MinuteRow, MinuteTotals } from "../../domain/minute-row.ts";
import { partitionTotalsOfRows, type PartitionTotalsRow } from "../../domain/partition-totals.ts";
import { MINUTE_MS, utcDay } from "../../domain/time.ts";
import type { WindowKey } from "../../domain/store-windows.ts";
import type { MinuteProjection } from "../ports.ts";

const TOTALS = "sale_count, refund_count, gross_minor, refund_minor, item_count, first_event_at, last_event_at";
const DAY_MS = 24 * 60 * MINUTE_MS;

/** Write timestamp that orders a row's versions by how much of the log they include. */
export function writeTimestamp(row: Pick<MinuteRow, "offset" | "revision">): bigint {
  return BigInt(row.offset + 1) * 65536n + BigInt(Math.min(row.revision, 65535));
}

function daysBetween(from: number, to: number): string[] {
  const days: string[] = [];
  for (let d = Date.parse(`${utcDay(from)}T00:00:00Z`); d < to; d += DAY_MS) days.push(utcDay(d));
  return days;
}

/** The TOTALS columns' values of a row, in their order. */
const totalsValues = (r: MinuteTotals): unknown[] => [BigInt(r.saleCount), BigInt(r.refundCount), BigInt(r.grossMinor), BigInt(r.refundMinor), BigInt(r.itemCount),
  r.firstEventAt === null ? null : new Date(r.firstEventAt), r.lastEventAt === null ? null : new Date(r.lastEventAt)];

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const time = (v: unknown): number | null => (v instanceof Date ? v.getTime() : null);

/** The MinuteTotals columns (TOTALS) of a row. */
export function minuteTotalsOf(r: types.Row): MinuteTotals {
  return {
    saleCount: num(r.get("sale_count")),
    refundCount: num(r.get("refund_count")),
    grossMinor: num(r.get("gross_minor")),
    refundMinor: num(r.get("refund_minor")),
    itemCount: num(r.get("item_count")),
    firstEventAt: time(r.get("first_event_at")),
    lastEventAt: time(r.get("last_event_at")),
  };
}

function rowOf(r: types.Row, storeId: string | null, partition: number | null): MinuteRow {
  return {
    storeId: storeId ?? (r.get("store_id") as string),
    minute: (r.get("minute") as Date).getTime(),
    currency: r.get("currency") as string,
    ...minuteTotalsOf(r),
    partition: partition ?? num(r.get("source_partition")),
    offset: num(r.get("source_offset")),
    revision: num(r.get("revision")),
    provisional: Boolean(r.get("provisional")),
    eventIds: [],
  };
}

const PARTITION_TOTALS = `minute, currency, source_partition, ${TOTALS}, provisional, version`;

function totalsOf(r: types.Row): PartitionTotalsRow {
  return {
    partition: num(r.get("source_partition")),
    minute: (r.get("minute") as Date).getTime(),
    currency: r.get("currency") as string,
    ...minuteTotalsOf(r),
    provisional: Boolean(r.get("provisional")),
    version: num(r.get("version")),
  };
}

/** What runs a statement: the client itself, or the projection's bounded queue in front of it. */
export interface CqlExecutor {
  execute(query: string, params?: unknown[], options?: QueryOptions): Promise<types.ResultSet>;
  /** An unlogged batch: the projection sends only batches of one Cassandra partition's rows. */
  batch(statements: Statement[]): Promise<types.ResultSet>;
}

/** A client as a CqlExecutor, without the projection's queue (for one-off work such as a migration's backfill). */
export const unqueued = (client: Client): CqlExecutor => ({
  execute: (query, params, options) => client.execute(query, params, options),
  batch: (statements) => client.batch(statements, { prepare: true, logged: false }),
});

type Statement = { query: string; params: unknown[] };

/**
 * Writes partition totals whole, USING TIMESTAMP version: a lower version never overwrites a higher
 * one. A day's rows are one Cassandra partition, so they go as unlogged batches of at most
 * BY_DAY_BATCH_ROWS (one mutation each).
 */
export async function writePartitionTotals(client: CqlExecutor, rows: readonly PartitionTotalsRow[], keyspace?: string): Promise<void> {
  const table = keyspace ? `${keyspace}.minutes_by_partition` : "minutes_by_partition";
  const query = `INSERT INTO ${table} (day, minute, currency, source_partition, ${TOTALS}, provisional, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?`;
  await writeByPartition(
    client,
    rows.map((r) => {
      const day = utcDay(r.minute);
      return { partitionKey: day, statement: { query, params: [day, new Date(r.minute), r.currency, r.partition, ...totalsValues(r), r.provisional, BigInt(r.version), BigInt(r.version)] } };
    }),
  );
}

/**
 * Statements grouped by the Cassandra partition they write, each group in unlogged batches of at
 * most BY_DAY_BATCH_ROWS (one mutation each); a lone statement goes as itself.
 */
async function writeByPartition(client: CqlExecutor, statements: readonly { partitionKey: string; statement: Statement }[]): Promise<void> {
  const byPartition = new Map<string, Statement[]>();
  for (const { partitionKey, statement } of statements) {
    const list = byPartition.get(partitionKey);
    if (list) list.push(statement);
    else byPartition.set(partitionKey, [statement]);
  }
  const batches: Statement[][] = [];
  for (const list of byPartition.values()) for (let i = 0; i < list.length; i += BY_DAY_BATCH_ROWS) batches.push(list.slice(i, i + BY_DAY_BATCH_ROWS));
  await Promise.all(batches.map((b) => (b.length === 1 ? client.execute(b[0]!.query, b[0]!.params, { prepare: true }) : client.batch(b))));
}

/**
 * Sums the rows already in minutes_by_day into minutes_by_partition (run once by the migration that
 * creates it). Safe while processors run: it writes real sums of stored rows with their versions,
 * which the processors' later (higher-version) writes supersede.
 */
export async function backfillPartitionTotals(client: Client, keyspace: string): Promise<number> {
  const keys = (await client.execute(`SELECT DISTINCT day, source_partition FROM ${keyspace}.minutes_by_day`, [], { fetchSize: 100_000 })).rows;
  let written = 0;
  for (const k of keys) {
    const day = k.get("day") as string;
    const partition = num(k.get("source_partition"));
    const rows: MinuteRow[] = [];
    let pageState: string | undefined;
    do {
      const rs = await client.execute(
        `SELECT minute, store_id, currency, ${TOTALS}, source_offset, revision, provisional FROM ${keyspace}.minutes_by_day WHERE day = ? AND source_partition = ?`,
        [day, partition],
        { prepare: true, fetchSize: 5000, ...(pageState ? { pageState } : {}) },
      );
      rows.push(...rs.rows.map((r) => rowOf(r, null, partition)));
      pageState = rs.pageState ?? undefined;
    } while (pageState);
    const totals = partitionTotalsOfRows(rows);
    await writePartitionTotals(unqueued(client), totals, keyspace);
    written += totals.length;
  }
  return written;
}

export interface CassandraSettings {
  contactPoints: string[];
  localDataCenter: string;
  keyspace: string;
}

export function createCassandraClient(s: CassandraSettings, keyspace?: string): Client {
  return new cassandra.Client(cassandraClientOptions(s, keyspace));
}

export function cassandraClientOptions(s: CassandraSettings, keyspace?: string): cassandra.ClientOptions {
  return {
    contactPoints: s.contactPoints,
    localDataCenter: s.localDataCenter,
    ...(keyspace ? { keyspace } : {}),
    encoding: { useBigIntAsLong: true },
    pooling: { coreConnectionsPerHost: { [cassandra.types.distance.local]: 2 } },
    socketOptions: { connectTimeout: 3000, readTimeout: 10_000 },
    queryOptions: { consistency: cassandra.types.consistencies.localQuorum, prepare: true, isIdempotent: true },
  };
}

const SET_ROW =
  "sale_count = ?, refund_count = ?, gross_minor = ?, refund_minor = ?, item_count = ?, first_event_at = ?, last_event_at = ?, " +
  "source_partition = ?, source_offset = ?, revision = ?, provisional = ?, id_count = ?";
const ROW_KEY = "WHERE store_id = ? AND day = ? AND minute = ? AND currency = ?";
const REPLACE_IDS = `UPDATE minutes_by_store USING TIMESTAMP ? SET ${SET_ROW}, id_chunks = ?, event_ids = null ${ROW_KEY}`;
const APPEND_IDS = `UPDATE minutes_by_store USING TIMESTAMP ? SET ${SET_ROW}, id_chunks[?] = ? ${ROW_KEY}`;
const KEEP_IDS = `UPDATE minutes_by_store USING TIMESTAMP ? SET ${SET_ROW} ${ROW_KEY}`;
const INSERT_BY_DAY = `INSERT INTO minutes_by_day (day, source_partition, minute, store_id, currency, ${TOTALS}, source_offset, revision, provisional) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?`;

/**
 * minutes_by_day rows one batch carries at most. Rows of one (day, partition) are one Cassandra
 * partition, so their batch is one mutation, applied atomically by its replicas without the batch
 * log (Cassandra checks batch sizes only across partitions); bounded so that one request stays small
 * (about 10 KiB) and a minute's close at thousands of stores still spreads over both connections.
 */
export const BY_DAY_BATCH_ROWS = 64;

/** The ids a minutes_by_store row includes: its chunks, or the whole-list column of rows written before them. */
function storedIds(r: types.Row, storeId: string): string[] {
  const chunks = (r.get("id_chunks") as Record<string, string> | null) ?? {};
  const list: IdChunk[] = Object.entries(chunks).map(([pos, ids]) => ({ pos: Number(pos), ids }));
  const legacy = r.get("event_ids") as string | null;
  const count = r.get("id_count") as number | null;
  // A whole list in the old column (rows from before the chunks, or a writer of the previous version
  // during a rolling upgrade, which leaves id_count stale) is a chunk at 0; lists are prefixes of one
  // log order, so the longer of it and id_count is what the row includes.
  const legacyCount = legacy ? legacy.split(",").length : 0;
  if (legacy) list.push({ pos: 0, ids: legacy });
  const where = `${storeId} ${(r.get("minute") as Date).toISOString()} ${r.get("currency") as string}`;
  return idsOfChunks(list, Math.max(count ?? 0, legacyCount), where);
}

/**
 * Statements one projection keeps in flight at most; the rest wait in order. The driver refuses a
 * request outright (BusyConnectionError) once every connection holds 2,048: at a minute boundary
 * thousands of stores open windows (a read each) while checkpoints write, and the failed batches
 * were retried as a whole, again and again, while Cassandra was busiest.
 */
export const MAX_STATEMENTS_IN_FLIGHT = 1024;

/**
 * Row (and totals) groups written at once. One at a time, a group waited for the one in flight, and
 * a sweep turn's stores, whose writes reach the group over several turns, took two or three groups
 * in a row (docs/benchmarks-cluster.md, session 39). Groups may overlap: every write is a whole-row
 * upsert stamped by (offset, revision), and a store or partition has one write in flight at most.
 */
export const WRITE_GROUPS_IN_FLIGHT = 4;

/** Minute projections in Cassandra: prepared statements, whole-row idempotent upserts. */
export class CassandraMinuteProjection implements MinuteProjection {
  private readonly limit = pLimit(MAX_STATEMENTS_IN_FLIGHT);
  /** Every statement of this projection goes through the bounded queue. */
  private readonly cql: CqlExecutor = {
    execute: (query, params, options) => this.limit(() => this.client.execute(query, params, options)),
    /** Unlogged: each of its batches holds one Cassandra partition's rows, atomic without the batch log. */
    batch: (statements) => this.limit(() => this.client.batch(statements, { prepare: true, logged: false })),
  };

  constructor(private readonly client: Client, private readonly partitions: number) {}

  /** Reads every page of a query. */
  private async all(query: string, params: unknown[]): Promise<types.Row[]> {
    const out: types.Row[] = [];
    let pageState: string | undefined;
    do {
      const rs = await this.cql.execute(query, params, { fetchSize: 5000, ...(pageState ? { pageState } : {}) });
      out.push(...rs.rows);
      pageState = rs.pageState ?? undefined;
    } while (pageState);
    return out;
  }

  async loadRows(storeId: string, keys: readonly WindowKey[]): Promise<MinuteRow[]> {
    const rows = await Promise.all(
      keys.map((k) =>
        this.cql.execute(
          `SELECT minute, currency, ${TOTALS}, source_partition, source_offset, revision, provisional, id_count, id_chunks, event_ids FROM minutes_by_store WHERE store_id = ? AND day = ? AND minute = ? AND currency = ?`,
          [storeId, utcDay(k.minute), new Date(k.minute), k.currency],
        ),
      ),
    );
    return rows.flatMap((rs) => rs.rows.map((r) => ({ ...rowOf(r, storeId, null), eventIds: storedIds(r, storeId) })));
  }

  /**
   * Rows written by any of the processor's stores in the same event-loop turn, or while
   * WRITE_GROUPS_IN_FLIGHT groups are being written, go out together: at a trickle each store's checkpoint is about one row, and a
   * statement per row and table was most of Cassandra's work and a tenth of the window worker's.
   */
  private readonly rowWrites = new GroupCommit<readonly MinuteRow[], void>(
    async (groups) => {
      await this.writeGroup(groups.flat());
      return groups.map(() => undefined);
    },
    { concurrency: WRITE_GROUPS_IN_FLIGHT },
  );

  /** minutes_by_day first, then minutes_by_store (the order MinuteProjection.writeRows promises); a failure fails every caller of the group, which retry. */
  writeRows(rows: readonly MinuteRow[]): Promise<void> {
    return rows.length ? this.rowWrites.submit(rows) : Promise.resolve();
  }

  private async writeGroup(rows: readonly MinuteRow[]): Promise<void> {
    await writeByPartition(
      this.cql,
      rows.map((r) => {
        const day = utcDay(r.minute);
        const params = [day, r.partition, new Date(r.minute), r.storeId, r.currency, ...totalsValues(r), BigInt(r.offset), r.revision, r.provisional, writeTimestamp(r)];
        return { partitionKey: `${day} ${r.partition}`, statement: { query: INSERT_BY_DAY, params } };
      }),
    );
    await Promise.all(rows.map((r) => this.writeByStore(r)));
  }

  private writeByStore(r: MinuteRow): Promise<types.ResultSet> {
    const day = utcDay(r.minute);
    const ts = writeTimestamp(r);
    const from = r.idsFrom ?? 0;
    const key = [r.storeId, day, new Date(r.minute), r.currency];
    const cols = [...totalsValues(r), r.partition, BigInt(r.offset), r.revision, r.provisional, from + r.eventIds.length];
    // Only the ids new since the window's last durable write travel: one map cell at their position.
    if (from === 0) return this.cql.execute(REPLACE_IDS, [ts, ...cols, { 0: r.eventIds.join(",") }, ...key]);
    if (r.eventIds.length) return this.cql.execute(APPEND_IDS, [ts, ...cols, from, r.eventIds.join(","), ...key]);
    return this.cql.execute(KEEP_IDS, [ts, ...cols, ...key]);
  }

  async storeRows(storeId: string, from: number, to: number): Promise<MinuteRow[]> {
    const results = await Promise.all(
      daysBetween(from, to).map((day) =>
        this.all(
          `SELECT minute, currency, ${TOTALS}, source_partition, source_offset, revision, provisional FROM minutes_by_store WHERE store_id = ? AND day = ? AND minute >= ? AND minute < ?`,
          [storeId, day, new Date(from), new Date(to)],
        ),
      ),
    );
    return results.flatMap((rows) => rows.map((r) => rowOf(r, storeId, null)));
  }

  async allRows(from: number, to: number): Promise<MinuteRow[]> {
    const queries: Promise<MinuteRow[]>[] = [];
    for (const day of daysBetween(from, to)) {
      for (let p = 0; p < this.partitions; p++) {
        queries.push(
          this.all(
            `SELECT minute, store_id, currency, ${TOTALS}, source_offset, revision, provisional FROM minutes_by_day WHERE day = ? AND source_partition = ? AND minute >= ? AND minute < ?`,
            [day, p, new Date(from), new Date(to)],
          ).then((rows) => rows.map((r) => rowOf(r, null, p))),
        );
      }
    }
    return (await Promise.all(queries)).flat().sort((a, b) => a.minute - b.minute || (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0) || (a.storeId < b.storeId ? -1 : 1));
  }

  async loadPartitionMinute(partition: number, minute: number): Promise<{ rows: MinuteRow[]; totals: PartitionTotalsRow[] }> {
    const day = utcDay(minute);
    const [rows, totals] = await Promise.all([
      this.all(
        `SELECT minute, store_id, currency, ${TOTALS}, source_offset, revision, provisional FROM minutes_by_day WHERE day = ? AND source_partition = ? AND minute = ?`,
        [day, partition, new Date(minute)],
      ),
      this.all(`SELECT ${PARTITION_TOTALS} FROM minutes_by_partition WHERE day = ? AND minute = ?`, [day, new Date(minute)]),
    ]);
    return {
      rows: rows.map((r) => rowOf(r, null, partition)),
      totals: totals.map(totalsOf).filter((t) => t.partition === partition),
    };
  }

  /** Totals the partition actors write in the same turn (or while the groups in flight are written) go out together, like rows. */
  private readonly totalsWrites = new GroupCommit<readonly PartitionTotalsRow[], void>(
    async (groups) => {
      await writePartitionTotals(this.cql, groups.flat());
      return groups.map(() => undefined);
    },
    { concurrency: WRITE_GROUPS_IN_FLIGHT },
  );

  writePartitionTotals(rows: readonly PartitionTotalsRow[]): Promise<void> {
    return rows.length ? this.totalsWrites.submit(rows) : Promise.resolve();
  }

  /** One query per UTC day in range (the day is the partition key). */
  async partitionTotals(from: number, to: number): Promise<PartitionTotalsRow[]> {
    const results = await Promise.all(
      daysBetween(from, to).map((day) =>
        this.all(`SELECT ${PARTITION_TOTALS} FROM minutes_by_partition WHERE day = ? AND minute >= ? AND minute < ?`, [day, new Date(from), new Date(to)]),
      ),
    );
    return results.flatMap((rows) => rows.map(totalsOf));
  }

  async close(): Promise<void> {
    await Promise.all([this.rowWrites.settled(), this.totalsWrites.settled()]);
    await this.client.shutdown();
  }
}
