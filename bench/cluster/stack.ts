/** The local services and one isolated set of resources (topic, consumer groups, keyspace, database) per bench run. */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import cassandra from "cassandra-driver";
import pg from "pg";
import { createKafka, topicNames } from "../../src/event-log/kafka/kafka-client.ts";

export const BASE = {
  KAFKA_BROKERS: process.env.INTRADAY_KAFKA_BROKERS ?? "127.0.0.1:9092",
  CASSANDRA_CONTACT_POINTS: process.env.INTRADAY_CASSANDRA_CONTACT_POINTS ?? "127.0.0.1:9042",
  CASSANDRA_DC: process.env.INTRADAY_CASSANDRA_DC ?? "datacenter1",
  PG_URL: process.env.INTRADAY_PG_URL ?? "postgres://intraday:intraday@127.0.0.1:5432/intraday",
};

/**
 * `services.sh up` (idempotent: running services are left alone), then waits until `status` says all
 * three answer: the services are shared (integration tests may be pausing one). Returns how long it took.
 */
export async function servicesUp(timeoutMs = 300_000, log: (m: string) => void = () => undefined): Promise<number> {
  const t = Date.now();
  // Only what the benches use: Superset and Airflow (a scheduler polling every few seconds) would take CPU from the runs.
  const r = spawnSync("bash", ["scripts/services/services.sh", "up", "postgres", "kafka", "cassandra"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (r.status !== 0) throw new Error(`services.sh up failed:\n${r.stdout}\n${r.stderr}`);
  let said = false;
  for (;;) {
    const s = spawnSync("bash", ["scripts/services/services.sh", "status"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    const lines = s.stdout.split("\n").filter((l) => /^(postgres|kafka|cassandra)\s/.test(l));
    if (lines.length === 3 && lines.every((l) => /\banswering\b/.test(l) && !/not answering/.test(l))) return Date.now() - t;
    if (Date.now() - t > timeoutMs) throw new Error(`services not all answering after ${timeoutMs / 1000} s:\n${s.stdout}`);
    if (!said) log(`waiting for every service to answer:\n${s.stdout.trim()}`);
    said = true;
    await new Promise((res) => setTimeout(res, 2000));
  }
}

export interface Isolated {
  id: string;
  /** INTRADAY_* settings (without the prefix) that point a server at these resources. */
  env: Record<string, string>;
  topic: string;
  group: string;
  drop(): Promise<string[]>;
}

export async function isolate(partitions: number): Promise<Isolated> {
  const id = `bench_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: BASE.PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${id}`);
  await admin.end();
  const url = new URL(BASE.PG_URL);
  url.pathname = `/${id}`;
  const topic = id.replace(/_/g, "-");
  const group = `${id}-windows`;
  return {
    id,
    topic,
    group,
    env: {
      MODE: "cluster",
      KAFKA_BROKERS: BASE.KAFKA_BROKERS,
      CASSANDRA_CONTACT_POINTS: BASE.CASSANDRA_CONTACT_POINTS,
      CASSANDRA_DC: BASE.CASSANDRA_DC,
      PG_URL: url.toString(),
      KAFKA_TOPIC: topic,
      KAFKA_GROUP: group,
      CASSANDRA_KEYSPACE: id,
      PARTITIONS: String(partitions),
    },
    async drop() {
      const problems: string[] = [];
      const kafka = createKafka({ brokers: BASE.KAFKA_BROKERS.split(","), topic, partitions, clientId: "intraday-bench-drop" });
      const ka = kafka.admin();
      try {
        await ka.connect();
        const names = topicNames(topic);
        const existing = new Set(await ka.listTopics());
        const topics = [names.events, names.deadLetters, names.ticks, `${topic}.minutes`].filter((t) => existing.has(t));
        if (topics.length) await ka.deleteTopics({ topics, timeout: 30_000 });
        const groups = (await ka.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(group));
        if (groups.length) await ka.deleteGroups(groups).catch((e: Error) => problems.push(`kafka groups: ${e.message}`));
      } catch (e) {
        problems.push(`kafka: ${(e as Error).message}`);
      } finally {
        await ka.disconnect().catch(() => undefined);
      }
      const cass = new cassandra.Client({ contactPoints: BASE.CASSANDRA_CONTACT_POINTS.split(","), localDataCenter: BASE.CASSANDRA_DC, socketOptions: { readTimeout: 60_000 } });
      try {
        await cass.execute(`DROP KEYSPACE IF EXISTS ${id}`);
      } catch (e) {
        problems.push(`cassandra: ${(e as Error).message}`);
      } finally {
        await cass.shutdown().catch(() => undefined);
      }
      const c = new pg.Client({ connectionString: BASE.PG_URL });
      try {
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${id} WITH (FORCE)`);
      } catch (e) {
        problems.push(`postgres: ${(e as Error).message}`);
      } finally {
        await c.end().catch(() => undefined);
      }
      return problems;
    },
  };
}

/** Pid of each service, from `services.sh status`: a change during a run means someone restarted it (shared services). */
export function servicePids(): Record<string, string> {
  const s = spawnSync("bash", ["scripts/services/services.sh", "status"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const out: Record<string, string> = {};
  for (const m of s.stdout.matchAll(/^(postgres|kafka|cassandra)\s+\S+\s+pid (\d+)/gm)) out[m[1]!] = m[2]!;
  return out;
}

const CLOCK_TICKS = 100; // USER_HZ

function statTicks(path: string): number {
  const stat = readFileSync(path, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(f[11]) + Number(f[12]); // utime + stime
}

/**
 * CPU time (ms) used so far by each local service (PostgreSQL: all its processes) and by the whole
 * machine (busy time of every core, from /proc/stat): taken around a case, it says where the
 * machine's two cores went per event.
 */
export function servicesCpuMs(pids: Record<string, string> = servicePids()): Record<string, number> {
  const out: Record<string, number> = { postgres: 0 };
  for (const [name, pid] of Object.entries(pids)) {
    if (name === "postgres") continue;
    try {
      out[name] = (statTicks(`/proc/${pid}/stat`) * 1000) / CLOCK_TICKS;
    } catch {
      /* not running */
    }
  }
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "postgres") out.postgres! += (statTicks(`/proc/${pid}/stat`) * 1000) / CLOCK_TICKS;
    } catch {
      /* exited meanwhile */
    }
  }
  const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const busy = [0, 1, 2, 5, 6, 7].reduce((a, i) => a + (cpu[i] ?? 0), 0); // user nice system irq softirq steal
  out.machine = (busy * 1000) / CLOCK_TICKS;
  return out;
}
