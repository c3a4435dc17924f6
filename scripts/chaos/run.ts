import { randomUUID } from "node:crypto";
import { Kafka, logLevel, Partitioners } from "kafkajs";
import pg from "pg";
import { loadSettings, windowingOf } from "../../src/config/settings.ts";
import { partitionFor } from "../../src/event-log/partitioner.ts";
import { changelogTopic } from "../../src/projections/analytics/kafka-minute-changelog.ts";
import { CassandraMinuteProjection, createCassandraClient } from "../../src/projections/cassandra/cassandra-minute-projection.ts";
import { PgRawHistory } from "../../src/projections/postgres/pg-raw-history.ts";
import { startApp, type AppProcess } from "./app-process.ts";
import { checkCassandra, checkDeadLetters, checkPostgresMinutes, checkRawHistory, type Check } from "./checks.ts";
import { connectionEnv, services, type ChaosStack } from "./stack.ts";
import { ChaosTraffic } from "./traffic.ts";
import { isolatedNamespace } from "../isolated-env.ts";

export interface ChaosOptions {
  stack: ChaosStack;
  partitions: number;
  stores: number;
  /** Traffic before the first fault and between faults. */
  calmMs: number;
  kafkaDownMs: number;
  cassandraDownMs: number;
  postgresDownMs: number;
  /** How long the second instance runs before it is removed. */
  secondInstanceMs: number;
  /** How long the pipeline may take to catch up and match the recomputation at the end. */
  catchUpMs: number;
  /** Stop the chaos stack at the end. */
  stopServices: boolean;
  log: (line: string) => void;
}

export interface ChaosReport {
  ok: boolean;
  injected: string[];
  checks: Check[];
  traffic: string;
  /** The last error lines of instance a, kept when a check fails (the instance is gone by then). */
  logTail: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs: number, everyMs = 1000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

function poisonValues(): { what: string; key: string; value: string | null }[] {
  const event = (store: string, over: Record<string, unknown>) =>
    JSON.stringify({ schemaVersion: 1, eventId: randomUUID(), storeId: store, occurredAt: new Date().toISOString(), type: "sale", currency: "EUR", lines: [{ sku: "x", quantity: 1, unitPriceMinor: 100 }], ...over });
  return [
    { what: "sku with U+0000", key: "store-001", value: event("store-001", { lines: [{ sku: "a\u0000b", quantity: 1, unitPriceMinor: 100 }] }) },
    { what: "occurredAt in year 0000", key: "store-002", value: event("store-002", { occurredAt: "0000-01-01T00:00:00Z" }) },
    { what: "not JSON", key: "store-003", value: "{not json" },
    { what: "unknown schemaVersion", key: "store-004", value: JSON.stringify({ schemaVersion: 99 }) },
    { what: "no value", key: "store-005", value: null },
    { what: "keyed to the wrong partition", key: "store-006", value: event("store-007", {}) },
  ];
}

/**
 * The chaos run (issue 7 §4) against its own stack: traffic with duplicates and late events, poison
 * records straight to the topic, kill -9 of the app, Kafka, Cassandra and PostgreSQL stopped, a
 * second instance added and removed; then every check of raw history, Cassandra and PostgreSQL
 * against a recomputation, and of the dead letters.
 */
export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const injected: string[] = [];
  const note = (line: string) => {
    injected.push(line);
    o.log(`[chaos] ${line}`);
  };
  const started = Date.now();
  o.log(`[chaos] starting the chaos stack in ${o.stack.dir} (PostgreSQL ${o.stack.pgPort}, Kafka ${o.stack.kafkaPort}, Cassandra ${o.stack.cassandraPort})`);
  services(o.stack, "up");
  const { id, env: isolated } = await isolatedNamespace(connectionEnv(o.stack), "chaos");
  const env: Record<string, string> = {
    ...isolated,
    PARTITIONS: String(o.partitions),
    GRACE_MS: "1000",
    IDLE_SLACK_MS: "1000",
    CHECKPOINT_MS: "1000",
    SWEEP_INTERVAL_MS: "250",
    STALL_AFTER_MS: "60000",
  };
  const settings = loadSettings(Object.fromEntries(Object.entries(env).map(([k, v]) => [`INTRADAY_${k}`, v])));
  const apps: { a: AppProcess | null; b: AppProcess | null } = { a: null, b: null };
  let turn = 0;
  const target = () => {
    const up = [apps.a, apps.b].filter((x): x is AppProcess => x !== null);
    return up.length ? up[turn++ % up.length]!.url : null;
  };
  const traffic = new ChaosTraffic(target, { stores: o.stores, seed: Date.now() % 1_000_000 });
  const kafka = new Kafka({ clientId: "chaos", brokers: [env.KAFKA_BROKERS!], logLevel: logLevel.NOTHING });
  const poison: { partition: number; offset: number; what: string }[] = [];
  let sending: Promise<void> = Promise.resolve();
  const crashes: string[] = [];
  const onExit = (name: string, how: string, output: string) => {
    crashes.push(`${name} (${how})`);
    o.log(`[chaos] instance ${name} exited unexpectedly (${how}); its last output:\n${output}`);
    if (apps.a?.name === name) apps.a = null;
    if (apps.b?.name === name) apps.b = null;
  };
  try {
    apps.a = await startApp("a", env, onExit);
    note(`instance a started (${apps.a.url})`);
    sending = traffic.run({ batch: 20, workers: 3, pauseMs: 50 });
    await sleep(o.calmMs);

    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    for (const p of poisonValues()) {
      const partition = p.what === "keyed to the wrong partition" ? (partitionFor("store-007", o.partitions) + 1) % o.partitions : partitionFor(p.key, o.partitions);
      const [meta] = await producer.send({ topic: env.KAFKA_TOPIC!, acks: -1, messages: [{ key: p.key, value: p.value, partition }] });
      poison.push({ partition, offset: Number(meta!.baseOffset), what: p.what });
    }
    await producer.disconnect();
    note(`${poison.length} poison records written straight to the topic: ${poison.map((p) => p.what).join(", ")}`);
    await sleep(o.calmMs);

    await apps.a.kill9();
    apps.a = null;
    note("kill -9 of instance a while sending");
    await sleep(1000);
    apps.a = await startApp("a", env, onExit);
    note("instance a restarted");
    await sleep(o.calmMs);

    for (const [name, ms] of [["kafka", o.kafkaDownMs], ["cassandra", o.cassandraDownMs], ["postgres", o.postgresDownMs]] as const) {
      services(o.stack, "down", [name]);
      note(`${name} stopped for ${Math.round(ms / 1000)} s`);
      await sleep(ms);
      services(o.stack, "up", [name]);
      note(`${name} back`);
      await sleep(o.calmMs);
    }

    apps.b = await startApp("b", env, onExit);
    note(`second instance b added (${apps.b.url})`);
    await sleep(o.secondInstanceMs);
    const b = apps.b;
    apps.b = null;
    await b.sigterm();
    note("second instance b removed (SIGTERM)");
    await sleep(o.calmMs);
  } finally {
    traffic.stop();
    await sending;
  }

  const checks: Check[] = [];
  const logTail: string[] = [];
  const pool = new pg.Pool({ connectionString: env.PG_URL, max: 2 });
  const cass = createCassandraClient({ contactPoints: [env.CASSANDRA_CONTACT_POINTS!], localDataCenter: "datacenter1", keyspace: id }, id);
  const kadmin = kafka.admin();
  const dlq = kafka.consumer({ groupId: `${id}-dlq-check` });
  try {
    await traffic.settle(o.catchUpMs);
    const kafkaAdmin = kadmin;
    await kafkaAdmin.connect();
    const groups: [group: string, topic: string][] = [
      [env.KAFKA_GROUP!, env.KAFKA_TOPIC!],
      [`${env.KAFKA_GROUP}-raw-history`, env.KAFKA_TOPIC!],
      [`${env.KAFKA_GROUP}-analytics`, changelogTopic(env.KAFKA_TOPIC!)],
    ];
    const caughtUp = async () => {
      for (const [group, topic] of groups) {
        const ends = await kafkaAdmin.fetchTopicOffsets(topic);
        const [t] = await kafkaAdmin.fetchOffsets({ groupId: group, topics: [topic] });
        if (!ends.every((e) => Number(t!.partitions.find((p) => p.partition === e.partition)?.offset) === Number(e.high))) return false;
      }
      return true;
    };
    // The analytics group reads the changelog the window group writes: checked again once the window group is done.
    await until("every consumer group committed to the end of its log", async () => (await caughtUp()) && (await caughtUp()), o.catchUpMs);
    checks.push({ name: "every consumer group caught up (lag 0)", ok: true, detail: "windows and raw-history groups committed to the log end, the analytics group to the changelog end" });

    const history = new PgRawHistory(pool);
    const minutes = new CassandraMinuteProjection(cass, o.partitions);
    const cfg = windowingOf(settings);
    const from = started - 20 * 60_000;
    const to = Date.now() + 2 * 60_000;
    checks.push(await checkRawHistory(history, traffic.acked, from, to));
    // Rows turn final after their minute closes; wait until they match, then report the last comparison.
    let cassandra = await checkCassandra(minutes, history, from, to, cfg);
    let postgres = await checkPostgresMinutes(pool, history, from, to, cfg);
    const deadline = Date.now() + o.catchUpMs;
    while ((!cassandra.ok || !postgres.ok) && Date.now() < deadline) {
      await sleep(2000);
      cassandra = await checkCassandra(minutes, history, from, to, cfg);
      postgres = await checkPostgresMinutes(pool, history, from, to, cfg);
    }
    checks.push(cassandra, postgres);

    const dead = new Map<string, string>();
    await dlq.connect();
    await dlq.subscribe({ topics: [`${env.KAFKA_TOPIC}.dlq`], fromBeginning: true });
    await dlq.run({
      eachMessage: async ({ message }) => {
        const key = `${String(message.headers?.["x-source-partition"])}:${String(message.headers?.["x-source-offset"])}`;
        dead.set(key, String(message.headers?.["x-dead-letter-reason"] ?? ""));
      },
    });
    await until("poison records in the DLQ", async () => poison.every((p) => dead.has(`${p.partition}:${p.offset}`)), 30_000).catch(() => undefined);
    checks.push(checkDeadLetters(poison, dead));

    const ready = await fetch(`${apps.a!.url}/readyz`).then((r) => r.json() as Promise<{ status: string; checks: Record<string, string> }>);
    checks.push({ name: "instance a ready, nothing stalled", ok: ready.status === "ready", detail: JSON.stringify(ready.checks) });
    checks.push({ name: "no instance crashed", ok: crashes.length === 0, detail: crashes.length ? `exited unexpectedly: ${crashes.join(", ")}` : "only the injected kill -9 and the SIGTERM stopped an instance" });
  } catch (err) {
    checks.push({ name: "chaos run completed", ok: false, detail: (err as Error).message });
    // A crash is often why the run could not complete: say so even when the later checks never ran.
    if (crashes.length) checks.push({ name: "no instance crashed", ok: false, detail: `exited unexpectedly: ${crashes.join(", ")}` });
  } finally {
    await dlq.disconnect().catch(() => undefined);
    await kadmin.disconnect().catch(() => undefined);
    await cass.shutdown().catch(() => undefined);
    await pool.end().catch(() => undefined);
    if (!checks.every((x) => x.ok)) logTail.push(...errorTail(apps.a?.output() ?? ""));
    for (const app of [apps.a, apps.b] as (AppProcess | null)[]) await app?.sigterm();
    if (o.stopServices) services(o.stack, "down");
  }
  const c = traffic.counts;
  const statuses = [...traffic.statuses].map(([s, n]) => `${s === 0 ? "no answer" : s}×${n}`).join(", ");
  return {
    ok: checks.every((x) => x.ok),
    injected,
    checks,
    logTail,
    traffic: `${traffic.acked.size} events acknowledged (${c.sale} sales, ${c.refund} refunds, ${c.late} late, ${c.outOfOrder} out of order, ${c.duplicate} duplicate sends); requests: ${statuses}; ${Math.round((Date.now() - started) / 1000)} s in all`,
  };
}

export function formatReport(r: ChaosReport): string {
  return [
    "chaos run summary",
    "  injected:",
    ...r.injected.map((l) => `    - ${l}`),
    `  traffic: ${r.traffic}`,
    "  checks:",
    ...r.checks.map((c) => `    ${c.ok ? "PASS" : "FAIL"} ${c.name}: ${c.detail}`),
    ...(r.logTail.length ? ["  instance a, last error lines:", ...r.logTail.map((l) => `    ${l}`)] : []),
    `  result: ${r.ok ? "PASS" : "FAIL"}`,
  ].join("\n");
}

/** The last 60 lines of an instance's output, without kafkajs's start-up notices. */
function errorTail(output: string): string[] {
  return output
    .split("\n")
    .filter((l) => l.trim() && !/switched default partitioner|Limiting retries for the idempotent producer/.test(l))
    .slice(-60)
    .map((l) => l.slice(0, 400));
}
