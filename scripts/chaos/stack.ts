import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export type ServiceName = "postgres" | "kafka" | "cassandra";

/** The chaos run's own services: another directory and other ports, so stopping them touches nobody else's stack. */
export interface ChaosStack {
  dir: string;
  pgPort: number;
  kafkaPort: number;
  kafkaControllerPort: number;
  cassandraPort: number;
  cassandraStoragePort: number;
}

export function defaultStack(): ChaosStack {
  const n = (name: string, fallback: number) => Number(process.env[`INTRADAY_CHAOS_${name}`] ?? fallback);
  return {
    dir: process.env.INTRADAY_CHAOS_SERVICES_DIR ?? `${ROOT}.services-chaos`,
    pgPort: n("PG_PORT", 25432),
    kafkaPort: n("KAFKA_PORT", 29092),
    kafkaControllerPort: n("KAFKA_CONTROLLER_PORT", 29093),
    cassandraPort: n("CASSANDRA_PORT", 29042),
    cassandraStoragePort: n("CASSANDRA_STORAGE_PORT", 27000),
  };
}

/** The environment services.sh needs for this stack; downloads are shared with the default stack's cache. */
function servicesEnv(s: ChaosStack): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("INTRADAY_")) env[k] = v;
  const cache = process.env.INTRADAY_SERVICES_CACHE ?? (process.env.INTRADAY_SERVICES_DIR ? `${process.env.INTRADAY_SERVICES_DIR}/cache` : `${ROOT}.services/cache`);
  return {
    ...env,
    INTRADAY_SERVICES_DIR: s.dir,
    INTRADAY_SERVICES_CACHE: cache,
    INTRADAY_PG_PORT: String(s.pgPort),
    INTRADAY_KAFKA_PORT: String(s.kafkaPort),
    INTRADAY_KAFKA_CONTROLLER_PORT: String(s.kafkaControllerPort),
    INTRADAY_CASSANDRA_PORT: String(s.cassandraPort),
    INTRADAY_CASSANDRA_STORAGE_PORT: String(s.cassandraStoragePort),
  };
}

/** The services the chaos run needs (services.sh with no names would also start Superset and Airflow). */
const CHAOS_SERVICES: ServiceName[] = ["postgres", "kafka", "cassandra"];

export function services(s: ChaosStack, action: "up" | "down", names: ServiceName[] = CHAOS_SERVICES): void {
  const r = spawnSync("bash", [`${ROOT}scripts/services/services.sh`, action, ...names], { encoding: "utf8", env: servicesEnv(s) });
  if (r.status !== 0) throw new Error(`services.sh ${action} ${names.join(" ")} (chaos stack in ${s.dir}) failed:\n${r.stdout}\n${r.stderr}`);
}

/** Connection settings (INTRADAY_* without the prefix) of the app against this stack. */
export function connectionEnv(s: ChaosStack): Record<string, string> {
  return {
    MODE: "cluster",
    KAFKA_BROKERS: `127.0.0.1:${s.kafkaPort}`,
    CASSANDRA_CONTACT_POINTS: `127.0.0.1:${s.cassandraPort}`,
    PG_URL: `postgres://intraday:intraday@127.0.0.1:${s.pgPort}/intraday`,
  };
}
