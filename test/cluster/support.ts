import { spawnSync } from "node:child_process";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, inject } from "vitest";
import { createKafka, ensureTopics } from "../../src/event-log/kafka/kafka-client.ts";
import { loadSettings, type Settings } from "../../src/config/settings.ts";
import { migrateCassandra } from "../../src/projections/cassandra/cassandra-migrate.ts";
import { CassandraMinuteProjection, createCassandraClient } from "../../src/projections/cassandra/cassandra-minute-projection.ts";
import { isolatedNamespace } from "../../scripts/isolated-env.ts";
import { clusterAdapters } from "../../src/runtime/cluster-adapters.ts";
import { createRuntime, type Runtime } from "../../src/runtime/runtime.ts";

/**
 * Settings for one test file on the shared services: its own topic, consumer group, Cassandra
 * keyspace and PostgreSQL database, so files never see each other's data.
 */
export async function isolatedEnv(partitions = 3): Promise<{ env: Record<string, string>; drop: () => Promise<void> }> {
  const base = inject("clusterEnv");
  const { env, drop } = await isolatedNamespace({ MODE: "cluster", KAFKA_BROKERS: base.KAFKA_BROKERS!, CASSANDRA_CONTACT_POINTS: base.CASSANDRA_CONTACT_POINTS!, PG_URL: base.PG_URL! }, "it");
  return {
    env: { ...env, PARTITIONS: String(partitions), LOG_LEVEL: "silent", GRACE_MS: "1000", IDLE_SLACK_MS: "1000", CHECKPOINT_MS: "500", SWEEP_INTERVAL_MS: "250" },
    drop,
  };
}

/** isolatedEnv with its events topic created, and a Kafka client for it. */
export async function isolatedTopic(partitions: number): Promise<{ env: Record<string, string>; drop: () => Promise<void>; kafka: Kafka }> {
  const { env, drop } = await isolatedEnv(partitions);
  const kafka = createKafka({ brokers: env.KAFKA_BROKERS!.split(","), topic: env.KAFKA_TOPIC!, partitions });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, { brokers: [], topic: env.KAFKA_TOPIC!, partitions });
  } finally {
    await admin.disconnect();
  }
  return { env, drop, kafka };
}

/** A Kafka client that counts the requests of one API it sends (e.g. "OffsetCommit"), from kafkajs' request log. */
export function countingKafka(brokers: string, api: string): { kafka: Kafka; count: () => number } {
  let n = 0;
  const kafka = new Kafka({
    brokers: brokers.split(","),
    logLevel: logLevel.DEBUG,
    logCreator: () => ({ log }) => {
      if ((log as { message?: string }).message?.startsWith(`Request ${api}(`)) n += 1;
    },
  });
  return { kafka, count: () => n };
}

/** The same settings as environment variables (INTRADAY_ prefix), e.g. for a child process. */
export function prefixed(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [`INTRADAY_${k}`, v]));
}

export function settingsFrom(env: Record<string, string>): Settings {
  return loadSettings(prefixed(env));
}

export async function startClusterApp(env: Record<string, string>, opts: { listen?: boolean } = {}): Promise<{ runtime: Runtime; url: string; settings: Settings }> {
  const settings = settingsFrom(env);
  const runtime = await createRuntime(settings, await clusterAdapters(settings));
  await runtime.startProcessing();
  const url = opts.listen ? await runtime.app.listen({ host: "127.0.0.1", port: 0 }) : "";
  return { runtime, url, settings };
}

export type ClusterApp = Awaited<ReturnType<typeof startClusterApp>>;

/**
 * One in-process app on an isolated environment for the enclosing `describe`: started in
 * beforeAll, stopped and its environment dropped in afterAll (also after a failure).
 */
export function clusterAppPerFile(partitions: number, opts: { listen?: boolean } = {}): { readonly app: ClusterApp; readonly env: Record<string, string> } {
  let app: ClusterApp | undefined;
  let env: Record<string, string> | undefined;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ env, drop } = await isolatedEnv(partitions));
    app = await startClusterApp(env, opts);
  });
  afterAll(async () => {
    await app?.runtime.stop();
    await drop?.();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("the cluster app is only available inside the tests of the describe");
    return value;
  };
  return {
    get app() {
      return started(app);
    },
    get env() {
      return started(env);
    },
  };
}

/** A Cassandra client on the file's keyspace (the caller shuts it down). */
export function cassandraFor(env: Record<string, string>): ReturnType<typeof createCassandraClient> {
  return createCassandraClient({ contactPoints: env.CASSANDRA_CONTACT_POINTS!.split(","), localDataCenter: "datacenter1", keyspace: env.CASSANDRA_KEYSPACE! }, env.CASSANDRA_KEYSPACE);
}

/** A migrated keyspace of its own for the file (3 partitions), with the minute projection over it; dropped after the file. */
export function cassandraProjectionPerFile(): { readonly store: CassandraMinuteProjection; readonly client: ReturnType<typeof createCassandraClient> } {
  const state: { store?: CassandraMinuteProjection; client?: ReturnType<typeof createCassandraClient>; drop?: () => Promise<void> } = {};
  beforeAll(async () => {
    const iso = await isolatedEnv(3);
    state.drop = iso.drop;
    const keyspace = iso.env.CASSANDRA_KEYSPACE!;
    const admin = createCassandraClient({ contactPoints: iso.env.CASSANDRA_CONTACT_POINTS!.split(","), localDataCenter: "datacenter1", keyspace });
    await migrateCassandra(admin, keyspace);
    if ((await migrateCassandra(admin, keyspace)).length > 0) throw new Error("Cassandra migrations are not idempotent");
    await admin.shutdown();
    state.client = cassandraFor(iso.env);
    state.store = new CassandraMinuteProjection(state.client, 3);
  });
  afterAll(async () => {
    await state.store?.close();
    await state.drop?.();
  });
  return {
    get store() {
      return state.store!;
    },
    get client() {
      return state.client!;
    },
  };
}

/** Stops or starts one local service (kafka, cassandra, postgres) with the project's script. */
export function service(action: "up" | "down", name: "kafka" | "cassandra" | "postgres"): void {
  if ((process.env.INTRADAY_TEST_SERVICES ?? "local") !== "local") throw new Error("outage tests need the local services (INTRADAY_TEST_SERVICES=local)");
  const r = spawnSync("bash", ["scripts/services/services.sh", action, name], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`services.sh ${action} ${name} failed:\n${r.stdout}\n${r.stderr}`);
}
