import { z } from "zod";

const int = (min: number) => z.coerce.number().int().min(min);

/** Every setting: environment variable INTRADAY_<NAME>, its default and what it means. */
export const SETTINGS = {
  MODE: { schema: z.enum(["embedded", "cluster"]), default: "embedded", help: "embedded: log and stores in-process under DATA_DIR; cluster: Kafka, Cassandra, PostgreSQL" },
  HOST: { schema: z.string().min(1), default: "127.0.0.1", help: "Address the HTTP server listens on" },
  PORT: { schema: int(0).max(65535), default: "3000", help: "HTTP port" },
  DATA_DIR: { schema: z.string().min(1), default: "./data", help: "Embedded mode: where the log and the projections are kept" },
  PARTITIONS: { schema: int(1).max(1024), default: "6", help: "Partitions of the event log (fixed once the log exists)" },
  GRACE_MS: { schema: int(0), default: "5000", help: "A minute closes once stream time passes its end by this much" },
  IDLE_SLACK_MS: { schema: int(0), default: "5000", help: "Extra wall-clock wait that closes the minutes of a quiet store" },
  ALLOWED_LATENESS_MS: { schema: int(0), default: "600000", help: "How long after a minute closes a late event still corrects it" },
  CHECKPOINT_MS: { schema: int(100), default: "5000", help: "How often open minutes with new events are written (as provisional)" },
  MAX_FUTURE_SKEW_MS: { schema: int(0), default: "120000", help: "occurredAt may be at most this far in the future" },
  PASSIVATE_AFTER_MS: { schema: int(0), default: "300000", help: "A store actor with nothing open is stopped after this idle time" },
  TICK_INTERVAL_MS: { schema: int(50), default: "1000", help: "Wall-clock pass that closes quiet minutes and commits offsets" },
  MAX_BATCH: { schema: int(1).max(100_000), default: "1000", help: "Most events in one POST /v1/sales" },
  MAX_BODY_BYTES: { schema: int(1024), default: "4194304", help: "Largest accepted request body (413 above)" },
  MAX_QUERY_RANGE_MS: { schema: int(60_000), default: "86400000", help: "Longest from..to range a minutes query may ask for" },
  API_KEYS: { schema: z.string(), default: "", help: "Comma-separated keys; when set, POST requires Authorization: Bearer <key>" },
  LIVE_MIN_INTERVAL_MS: { schema: int(0), default: "250", help: "Least time between two ticks of one store to one websocket client" },
  WS_MAX_BUFFERED_BYTES: { schema: int(1024), default: "1048576", help: "A websocket client further behind than this is dropped" },
  LOG_LEVEL: { schema: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]), default: "warn", help: "Server log level (info logs every request)" },
  KAFKA_BROKERS: { schema: z.string().min(1), default: "127.0.0.1:9092", help: "Cluster mode: Kafka bootstrap servers, comma-separated" },
  KAFKA_TOPIC: { schema: z.string().min(1), default: "intraday.sales.v1", help: "Cluster mode: the event topic" },
  KAFKA_GROUP: { schema: z.string().min(1), default: "intraday-windows", help: "Cluster mode: consumer group of the window processors" },
  CASSANDRA_CONTACT_POINTS: { schema: z.string().min(1), default: "127.0.0.1:9042", help: "Cluster mode: Cassandra contact points" },
  CASSANDRA_KEYSPACE: { schema: z.string().regex(/^[a-z_][a-z0-9_]*$/), default: "intraday", help: "Cluster mode: Cassandra keyspace" },
  CASSANDRA_DC: { schema: z.string().min(1), default: "datacenter1", help: "Cluster mode: Cassandra local data center" },
  PG_URL: { schema: z.string().min(1), default: "postgres://intraday:intraday@127.0.0.1:5432/intraday", help: "Cluster mode: PostgreSQL connection URL" },
  ROLE: {
    schema: z.enum(["all", "api", "processor", "windows", "history"]),
    default: "all",
    help: "What this process runs besides the API: all consumers; api (none); processor (windows + history); windows; history (raw history only)",
  },
  TOPOLOGY: {
    schema: z.enum(["threads", "single"]),
    default: "threads",
    help: "threads: the consumers (window processing, raw history) run in a worker thread, ingest/API on the main thread (both cores); single: one event loop for everything",
  },
  SHUTDOWN_TIMEOUT_MS: { schema: int(1000), default: "15000", help: "Graceful shutdown is forced after this long" },
} as const;

/** INTRADAY_* variables read by scripts/services and the test setup, not by the app: allowed, ignored here. */
const TOOLING_VARIABLES = new Set(
  ("CASSANDRA_HEAP CASSANDRA_PORT CASSANDRA_START_TIMEOUT CASSANDRA_STORAGE_PORT CASSANDRA_VERSION JAVA KAFKA_CONTROLLER_PORT " +
    "KAFKA_HEAP KAFKA_PORT KAFKA_START_TIMEOUT KAFKA_VERSION MAVEN_REPO PG_DB PG_PASSWORD PG_PORT PG_START_TIMEOUT PG_USER " +
    "SERVICES_CACHE SERVICES_DIR SERVICES_PARALLEL STOP_TIMEOUT TEST_SERVICES").split(" "),
);

type Key = keyof typeof SETTINGS;
export type Settings = { [K in Key]: z.output<(typeof SETTINGS)[K]["schema"]> } & { apiKeys: string[] };

export class SettingsError extends Error {
  readonly code = "INTRADAY_BAD_SETTING";
}

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, spec] of Object.entries(SETTINGS)) {
    const raw = env[`INTRADAY_${key}`] ?? spec.default;
    const r = (spec.schema as z.ZodType).safeParse(raw);
    if (r.success) out[key] = r.data;
    else problems.push(`INTRADAY_${key}=${JSON.stringify(raw)}: ${r.error.issues[0]?.message} (default ${JSON.stringify(spec.default)}; ${spec.help})`);
  }
  for (const name of Object.keys(env)) {
    if (name.startsWith("INTRADAY_") && !(name.slice(9) in SETTINGS) && !TOOLING_VARIABLES.has(name.slice(9))) problems.push(`${name} is not a setting (run with --help for the list)`);
  }
  if (problems.length) throw new SettingsError(`invalid settings:\n  ${problems.join("\n  ")}`);
  const settings = out as Settings;
  settings.apiKeys = settings.API_KEYS.split(",").map((k) => k.trim()).filter(Boolean);
  return settings;
}

export function settingsHelp(): string {
  const rows = Object.entries(SETTINGS).map(([k, s]) => `  INTRADAY_${k.padEnd(26)} ${JSON.stringify(s.default).padEnd(50)} ${s.help}`);
  return `Settings (environment variables):\n  ${"NAME".padEnd(35)} ${"DEFAULT".padEnd(50)} MEANING\n${rows.join("\n")}\n`;
}

export function windowingOf(s: Settings) {
  return {
    graceMs: s.GRACE_MS,
    idleSlackMs: s.IDLE_SLACK_MS,
    allowedLatenessMs: s.ALLOWED_LATENESS_MS,
    checkpointMs: s.CHECKPOINT_MS,
    maxFutureSkewMs: s.MAX_FUTURE_SKEW_MS,
  };
}
