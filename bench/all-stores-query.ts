/**
 * All-stores query (GET /v1/minutes → MinuteQueries.allMinutes) over 60 minutes with 1000 stores:
 * before (read every store row with allRows and sum in JS, as the query did) and after (sum the P
 * partition aggregates). Fills 1000 stores × 60 minutes of rows (one currency, plus a second one for
 * every tenth store) and their partition totals, then times each query `--iterations` times.
 *
 *   npx tsx bench/all-stores-query.ts [--cluster] [--stores 1000] [--minutes 60] [--iterations 200] [--after-only]
 *
 * --after-only: time only the query as it is now (for an A/B of a change to it; "before" reads every row).
 *
 * Embedded: a temp SQLite projections file. --cluster: a fresh keyspace on the local Cassandra
 * (services must be up), dropped afterwards. Measures the query as the route calls it (no HTTP).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { emptyTotals, mergeTotals, type MinuteRow, type MinuteTotals } from "../src/domain/minute-row.ts";
import { partitionTotalsOfRows } from "../src/domain/partition-totals.ts";
import { MINUTE_MS } from "../src/domain/time.ts";
import { InProcessTicks } from "../src/live/in-process-ticks.ts";
import { LiveView } from "../src/live/live-view.ts";
import { partitionFor } from "../src/event-log/partitioner.ts";
import { migrateCassandra } from "../src/projections/cassandra/cassandra-migrate.ts";
import { CassandraMinuteProjection, createCassandraClient } from "../src/projections/cassandra/cassandra-minute-projection.ts";
import { SqliteProjections } from "../src/projections/embedded/sqlite-projections.ts";
import type { MinuteProjection } from "../src/projections/ports.ts";
import { MinuteQueries, publicMinute } from "../src/projections/queries.ts";
import { loadSettings } from "../src/config/settings.ts";
import { embeddedAdapters } from "../src/runtime/embedded-adapters.ts";
import { createRuntime } from "../src/runtime/runtime.ts";

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const CLUSTER = process.argv.includes("--cluster");
const STORES = arg("stores", 1000);
const MINUTES = arg("minutes", 60);
const ITERATIONS = arg("iterations", 200);
const AFTER_ONLY = process.argv.includes("--after-only");
const PARTITIONS = 6;
const FROM = Date.UTC(2026, 10, 26, 9, 0);
const TO = FROM + MINUTES * MINUTE_MS;

function rows(): MinuteRow[] {
  const out: MinuteRow[] = [];
  for (let s = 0; s < STORES; s++) {
    const storeId = `bench-store-${s}`;
    const partition = partitionFor(storeId, PARTITIONS);
    for (let m = 0; m < MINUTES; m++) {
      for (const currency of s % 10 === 0 ? ["EUR", "USD"] : ["EUR"]) {
        const minute = FROM + m * MINUTE_MS;
        out.push({
          storeId, minute, currency, saleCount: 3, refundCount: 1, grossMinor: 1000 + s, refundMinor: 50, itemCount: 5,
          firstEventAt: minute + 1000, lastEventAt: minute + 59_000, partition, offset: s * MINUTES + m, revision: 1, provisional: false, eventIds: [],
        });
      }
    }
  }
  return out;
}

/** The query as it was: every store row of the range, summed in JS. */
async function before(store: MinuteProjection, from: number, to: number) {
  const sums = new Map<string, { minute: number; currency: string; totals: MinuteTotals; provisional: boolean }>();
  for (const r of await store.allRows(from, to)) {
    const key = `${r.minute}|${r.currency}`;
    let s = sums.get(key);
    if (!s) sums.set(key, (s = { minute: r.minute, currency: r.currency, totals: emptyTotals(), provisional: false }));
    mergeTotals(s.totals, r);
    s.provisional ||= r.provisional;
  }
  return [...sums.values()].sort((a, b) => a.minute - b.minute || (a.currency < b.currency ? -1 : 1)).map((s) => publicMinute(s.minute, s.currency, s.totals, s.provisional));
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function time(label: string, fn: () => Promise<unknown>): Promise<{ p50: number; p99: number; max: number }> {
  for (let i = 0; i < Math.min(20, ITERATIONS); i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  const r = { p50: +pct(ms, 50).toFixed(2), p99: +pct(ms, 99).toFixed(2), max: +ms[ms.length - 1]!.toFixed(2) };
  console.log(`${label.padEnd(48)} p50 ${String(r.p50).padStart(8)} ms   p99 ${String(r.p99).padStart(8)} ms   max ${String(r.max).padStart(8)} ms`);
  return r;
}

async function main(): Promise<void> {
  const all = rows();
  const totals = partitionTotalsOfRows(all);
  let store: MinuteProjection;
  let cleanup: () => Promise<void>;
  let dataDir = "";
  if (CLUSTER) {
    const keyspace = `bench_q_${randomBytes(3).toString("hex")}`;
    const settings = { contactPoints: (process.env.INTRADAY_CASSANDRA_CONTACT_POINTS ?? "127.0.0.1:9042").split(","), localDataCenter: "datacenter1", keyspace };
    const admin = createCassandraClient(settings);
    await migrateCassandra(admin, keyspace);
    const client = createCassandraClient(settings, keyspace);
    store = new CassandraMinuteProjection(client, PARTITIONS);
    cleanup = async () => {
      await client.shutdown();
      await admin.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
      await admin.shutdown();
    };
  } else {
    const dir = mkdtempSync(join(tmpdir(), "intraday-bench-q-"));
    dataDir = dir;
    const s = new SqliteProjections(dir);
    store = s.minutes;
    cleanup = async () => {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    };
  }
  try {
    const t = Date.now();
    for (let i = 0; i < all.length; i += 500) await store.writeRows(all.slice(i, i + 500));
    await store.writePartitionTotals(totals);
    console.log(`${CLUSTER ? "Cassandra" : "embedded SQLite"}: ${STORES} stores × ${MINUTES} minutes = ${all.length} store rows, ${totals.length} partition rows (${PARTITIONS} partitions), filled in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    const live = new LiveView(new InProcessTicks(), 60 * MINUTE_MS);
    const queries = new MinuteQueries(store, live, () => TO + 3_600_000);
    const a = await before(store, FROM, TO);
    const b = await queries.allMinutes(FROM, TO);
    if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error("before and after disagree");
    const r1 = AFTER_ONLY ? null : await time("before: allRows + sum in JS", () => before(store, FROM, TO));
    const r2 = await time("after: partition totals (MinuteQueries.allMinutes)", () => queries.allMinutes(FROM, TO));
    let http: Awaited<ReturnType<typeof time>> | null = null;
    if (!CLUSTER) {
      // The route itself (fastify inject: routing, validation, JSON), on the same data directory.
      const settings = loadSettings({ INTRADAY_DATA_DIR: dataDir, INTRADAY_PARTITIONS: String(PARTITIONS), INTRADAY_LOG_LEVEL: "silent" });
      const runtime = await createRuntime(settings, embeddedAdapters(settings));
      const url = `/v1/minutes?from=${new Date(FROM).toISOString()}&to=${new Date(TO).toISOString()}`;
      const body = (await runtime.app.inject({ url })).json() as { minutes: unknown[] };
      if (JSON.stringify(body.minutes) !== JSON.stringify(b)) throw new Error("GET /v1/minutes disagrees with the query");
      http = await time("after: GET /v1/minutes (fastify inject)", async () => {
        const r = await runtime.app.inject({ url });
        if (r.statusCode !== 200) throw new Error(`GET /v1/minutes: ${r.statusCode}`);
      });
      await runtime.stop();
    }
    console.log(`RESULT ${JSON.stringify({ mode: CLUSTER ? "cluster" : "embedded", stores: STORES, minutes: MINUTES, iterations: ITERATIONS, before: r1, after: r2, ...(http ? { afterHttp: http } : {}) })}`);
    live.close();
  } finally {
    await cleanup();
  }
}

await main();
