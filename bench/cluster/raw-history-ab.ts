/**
 * In-process A/B of the raw-history writer (PgRawHistory.insertEvents) on the real PostgreSQL: this
 * checkout's against another checkout's, rounds alternated, batches of `--batch` with 3 in flight
 * (as the raw-history group writes). Prints events/s and CPU µs per event of Node (this process) and
 * of PostgreSQL (all its processes), median over the rounds; writes bench/results/raw-history-ab-latest.json.
 *   npx tsx bench/cluster/raw-history-ab.ts --baseline <dir> [--rounds 6] [--batch 2000] [--events 40000]
 * A schema A/B: the same checkout as baseline, and SQL run before each round of one side or the other, e.g.
 *   --baseline . --baseline-sql "CREATE INDEX IF NOT EXISTS i ON raw_events (store_id)" --this-sql "DROP INDEX IF EXISTS i"
 * (baseline: `git archive <commit> | tar -x -C /tmp/base && ln -s "$PWD/node_modules" /tmp/base/node_modules`).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import type { RawHistory } from "../../src/projections/ports.ts";
import { migratePostgres } from "../../src/projections/postgres/pg-migrate.ts";
import { PgRawHistory } from "../../src/projections/postgres/pg-raw-history.ts";
import { loggedEvents } from "../fixtures.ts";
import { isolate, servicesUp } from "./stack.ts";

const { values: flags } = parseArgs({
  options: {
    baseline: { type: "string" },
    rounds: { type: "string", default: "6" },
    batch: { type: "string", default: "2000" },
    events: { type: "string", default: "40000" },
    "baseline-sql": { type: "string", default: "" },
    "this-sql": { type: "string", default: "" },
  },
});
if (!flags.baseline) {
  console.error("usage: npx tsx bench/cluster/raw-history-ab.ts --baseline <checkout dir> [--rounds N] [--batch N] [--events N]");
  process.exit(2);
}

function pgCpuTicks(): number {
  let t = 0;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const s = readFileSync(`/proc/${pid}/stat`, "utf8");
      if (!s.includes("(postgres)")) continue;
      const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
      t += Number(f[11]) + Number(f[12]);
    } catch { /* gone */ }
  }
  return t * 10; // ms at 100 Hz
}

async function main() {
  await servicesUp();
  const iso = await isolate(6);
  const pool = new pg.Pool({ connectionString: iso.env.PG_URL, max: 4 });
  await migratePostgres(pool);
  const n = Number(flags.events);
  const events = loggedEvents({ events: n, stores: 1000, eventsPerSecond: 2000, start: Date.now() - 600_000 });
  const batch = Number(flags.batch);
  const base = (await import(join(resolve(flags.baseline!), "src/projections/postgres/pg-raw-history.ts"))) as { PgRawHistory: new (pool: pg.Pool) => RawHistory };
  const writers: Record<"baseline" | "this", RawHistory> = { baseline: new base.PgRawHistory(pool), this: new PgRawHistory(pool) };
  const res: Record<string, { node: number[]; pg: number[]; wall: number[] }> = { baseline: { node: [], pg: [], wall: [] }, this: { node: [], pg: [], wall: [] } };
  for (let round = 0; round < Number(flags.rounds); round++) {
    for (const name of (round % 2 ? ["this", "baseline"] : ["baseline", "this"]) as ("baseline" | "this")[]) {
      await pool.query("TRUNCATE raw_events");
      const setup = flags[name === "this" ? "this-sql" : "baseline-sql"];
      if (setup) await pool.query(setup);
      await pool.query("CHECKPOINT");
      const cpu = process.cpuUsage();
      const pg0 = pgCpuTicks();
      const t = performance.now();
      const inflight: Promise<void>[] = [];
      for (let i = 0; i < events.length; i += batch) {
        inflight.push(writers[name].insertEvents(events.slice(i, i + batch)).then(() => undefined));
        if (inflight.length >= 3) await inflight.shift();
      }
      await Promise.all(inflight);
      const wall = performance.now() - t;
      const c = process.cpuUsage(cpu);
      const cnt = Number((await pool.query("SELECT count(*) n FROM raw_events")).rows[0].n);
      if (cnt !== events.length) throw new Error(`${name}: ${cnt} rows`);
      const r = res[name]!;
      r.node.push(((c.user + c.system) / events.length));
      r.pg.push(((pgCpuTicks() - pg0) * 1000) / events.length);
      r.wall.push(events.length / (wall / 1000));
      console.log(`round ${round} ${name.padEnd(8)}: ${(events.length / (wall / 1000)).toFixed(0)} ev/s, node ${r.node.at(-1)!.toFixed(1)} µs/ev, pg ${r.pg.at(-1)!.toFixed(1)} µs/ev`);
    }
  }
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
  const summary = Object.fromEntries(Object.entries(res).map(([k, r]) => [k, { eventsPerSecond: med(r.wall), nodeUsPerEvent: med(r.node), postgresUsPerEvent: med(r.pg), rounds: r }]));
  for (const [k, r] of Object.entries(summary)) console.log(`${k}: median ${r.eventsPerSecond.toFixed(0)} ev/s, node ${r.nodeUsPerEvent.toFixed(1)} µs/ev, PostgreSQL ${r.postgresUsPerEvent.toFixed(1)} µs/ev`);
  mkdirSync("bench/results", { recursive: true });
  writeFileSync("bench/results/raw-history-ab-latest.json", JSON.stringify({ at: new Date().toISOString(), baseline: flags.baseline, baselineSql: flags["baseline-sql"], thisSql: flags["this-sql"], events: events.length, batch, loadavgAtEnd: loadavg(), summary }, null, 2));
  await pool.end();
  await iso.drop?.();
}
main().catch((e) => { console.error(e); process.exit(1); });
