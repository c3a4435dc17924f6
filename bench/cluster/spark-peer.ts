/**
 * The Spark Structured Streaming peer (bench/cluster/spark/peer_job.py) as a child process: set-up
 * (venv + jars, cached), its Cassandra table, its progress, and reading its totals back.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import type cassandra from "cassandra-driver";
import { totalsKey, type Counted } from "./expected-totals.ts";

const HERE = join(import.meta.dirname, "spark");
export const SPARK_DIR = process.env.INTRADAY_SPARK_DIR ?? join(homedir(), ".cache", "intraday-spark");
export const SPARK_TABLE = "spark_minutes";

/** Runs setup.sh (idempotent; the first time downloads PySpark from PyPI and the connectors from Maven Central). */
export function sparkSetup(): number {
  const t = Date.now();
  const r = spawnSync("bash", [join(HERE, "setup.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, INTRADAY_SPARK_DIR: SPARK_DIR } });
  if (r.status !== 0) throw new Error(`bench/cluster/spark/setup.sh failed:\n${r.stdout}\n${r.stderr.slice(-4000)}`);
  return Date.now() - t;
}

export async function createSparkTable(cass: cassandra.Client, keyspace: string): Promise<void> {
  await cass.execute(
    `CREATE TABLE IF NOT EXISTS ${keyspace}.${SPARK_TABLE} (store_id text, minute timestamp, currency text, sale_count bigint, refund_count bigint,
     gross_minor bigint, refund_minor bigint, item_count bigint, PRIMARY KEY ((store_id), minute, currency))`,
  );
}

export interface SparkBatch {
  batchId: number;
  /** Batch start (ms since epoch) and its trigger duration. */
  startMs: number;
  triggerMs: number;
  numInputRows: number;
  durationMs: Record<string, number>;
  stateRows: number;
}

export interface SparkPeer {
  proc: ChildProcess;
  startedAt: number;
  /** When the session had started its query (after JVM start and jar loading). */
  queryStartedAt: number | null;
  batches: SparkBatch[];
  inputRows(): number;
  output(): string;
  stop(): Promise<number | null>;
}

export function startSpark(opts: { brokers: string; topic: string; cassandra: string; dc: string; keyspace: string; maxOffsetsPerTrigger: number }): SparkPeer {
  const checkpoint = mkdtempSync(join(tmpdir(), "intraday-spark-checkpoint-"));
  const args = [
    join(HERE, "peer_job.py"),
    "--brokers", opts.brokers,
    "--topic", opts.topic,
    "--cassandra", opts.cassandra,
    "--cassandra-dc", opts.dc,
    "--keyspace", opts.keyspace,
    "--table", SPARK_TABLE,
    "--checkpoint", checkpoint,
    "--max-offsets-per-trigger", String(opts.maxOffsetsPerTrigger),
  ];
  const proc = spawn(join(SPARK_DIR, "venv", "bin", "python"), args, { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, INTRADAY_SPARK_DIR: SPARK_DIR, PYSPARK_PYTHON: join(SPARK_DIR, "venv", "bin", "python") } });
  const peer: SparkPeer = {
    proc,
    startedAt: Date.now(),
    queryStartedAt: null,
    batches: [],
    inputRows: () => peer.batches.reduce((a, b) => a + b.numInputRows, 0),
    output: () => err,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.stdin!.end();
        const t = setTimeout(() => proc.kill("SIGKILL"), 60_000);
        await exited;
        clearTimeout(t);
      }
      rmSync(checkpoint, { recursive: true, force: true });
      return proc.exitCode;
    },
  };
  let err = "";
  let pending = "";
  proc.stderr!.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-20_000)));
  proc.stdout!.on("data", (d: Buffer) => {
    pending += d.toString();
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      let msg: { started?: number; progress?: { batchId: number; timestamp: string; numInputRows: number; durationMs: Record<string, number>; stateRows: number }; error?: string };
      try {
        msg = JSON.parse(line) as typeof msg;
      } catch {
        continue; // Spark's own stdout noise
      }
      if (msg.started) peer.queryStartedAt = msg.started * 1000;
      if (msg.error) err += `\nquery failed: ${msg.error}`;
      const p = msg.progress;
      if (p) peer.batches.push({ batchId: p.batchId, startMs: Date.parse(p.timestamp), triggerMs: p.durationMs.triggerExecution ?? 0, numInputRows: p.numInputRows, durationMs: p.durationMs, stateRows: p.stateRows });
    }
  });
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  return peer;
}

const COUNTED_COLUMNS = "store_id, minute, currency, sale_count, refund_count, gross_minor, refund_minor, item_count";

/** Every row of the Spark table, keyed like the recomputation. */
export async function sparkTotals(cass: cassandra.Client, keyspace: string): Promise<Map<string, Counted>> {
  const out = new Map<string, Counted>();
  await addCounted(out, cass, `SELECT ${COUNTED_COLUMNS} FROM ${keyspace}.${SPARK_TABLE}`, []);
  return out;
}

/** Our rows (minutes_by_day, every day and log partition given), keyed like the recomputation. */
export async function pipelineTotals(cass: cassandra.Client, keyspace: string, days: Iterable<string>, partitions: number): Promise<Map<string, Counted>> {
  const out = new Map<string, Counted>();
  for (const day of days) {
    for (let p = 0; p < partitions; p++) {
      await addCounted(out, cass, `SELECT ${COUNTED_COLUMNS} FROM ${keyspace}.minutes_by_day WHERE day = ? AND source_partition = ?`, [day, p]);
    }
  }
  return out;
}

/** Reads COUNTED_COLUMNS rows into `out`, keyed like the recomputation. */
async function addCounted(out: Map<string, Counted>, cass: cassandra.Client, q: string, params: unknown[]): Promise<void> {
  for (const row of await allRows(cass, q, params)) {
    out.set(totalsKey(row.get("store_id") as string, (row.get("minute") as Date).getTime(), row.get("currency") as string), {
      saleCount: Number(row.get("sale_count")),
      refundCount: Number(row.get("refund_count")),
      grossMinor: Number(row.get("gross_minor")),
      refundMinor: Number(row.get("refund_minor")),
      itemCount: Number(row.get("item_count")),
    });
  }
}

async function allRows(cass: cassandra.Client, q: string, params: unknown[]): Promise<cassandra.types.Row[]> {
  const out: cassandra.types.Row[] = [];
  let pageState: string | undefined;
  do {
    const rs = await cass.execute(q, params, { prepare: true, fetchSize: 5000, ...(pageState ? { pageState } : {}) });
    out.push(...rs.rows);
    pageState = rs.pageState ?? undefined;
  } while (pageState);
  return out;
}
