import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { loadSettings, type Settings } from "../../src/config/settings.ts";
import { clusterAdapters } from "../../src/runtime/cluster-adapters.ts";
import { createRuntime, type Runtime } from "../../src/runtime/runtime.ts";

/**
 * Settings for one test file on the shared services: its own topic, consumer group, Cassandra
 * keyspace and PostgreSQL database, so files never see each other's data.
 */
export async function isolatedEnv(partitions = 3): Promise<{ env: Record<string, string>; drop: () => Promise<void> }> {
  const base = inject("clusterEnv");
  const id = `it_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: base.PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${id}`);
  await admin.end();
  const url = new URL(base.PG_URL!);
  url.pathname = `/${id}`;
  return {
    env: {
      MODE: "cluster",
      KAFKA_BROKERS: base.KAFKA_BROKERS!,
      CASSANDRA_CONTACT_POINTS: base.CASSANDRA_CONTACT_POINTS!,
      PG_URL: url.toString(),
      KAFKA_TOPIC: id.replace(/_/g, "-"),
      KAFKA_GROUP: `${id}-windows`,
      CASSANDRA_KEYSPACE: id,
      PARTITIONS: String(partitions),
      LOG_LEVEL: "silent",
      GRACE_MS: "1000",
      IDLE_SLACK_MS: "1000",
      CHECKPOINT_MS: "500",
      SWEEP_INTERVAL_MS: "250",
    },
    drop: async () => {
      const c = new pg.Client({ connectionString: base.PG_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${id} WITH (FORCE)`).catch(() => undefined);
      await c.end();
    },
  };
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

/** Stops or starts one local service (kafka, cassandra, postgres) with the project's script. */
export function service(action: "up" | "down", name: "kafka" | "cassandra" | "postgres"): void {
  if ((process.env.INTRADAY_TEST_SERVICES ?? "local") !== "local") throw new Error("outage tests need the local services (INTRADAY_TEST_SERVICES=local)");
  const r = spawnSync("bash", ["scripts/services/services.sh", action, name], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`services.sh ${action} ${name} failed:\n${r.stdout}\n${r.stderr}`);
}
