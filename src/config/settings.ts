import { z } from "zod";

const int = (min: number) => z.coerce.number().int().min(min);
/** A duration in milliseconds, from `min` to `max`. */
const ms = (dflt: number, help: string, min = 0, max = Number.MAX_SAFE_INTEGER) => ({ schema: int(min).max(max), default: String(dflt), help });
/** A whole number from `min` to `max`. */
const whole = (dflt: number, help: string, min = 0, max = Number.MAX_SAFE_INTEGER) => ({ schema: int(min).max(max), default: String(dflt), help });

/** Every setting: environment variable INTRADAY_<NAME>, its default and what it means. */
export const SETTINGS = {
  MODE: { schema: z.enum(["embedded", "cluster"]), default: "embedded", help: "embedded: log and stores in-process under DATA_DIR; cluster: Kafka, Cassandra, PostgreSQL" },
  HOST: { schema: z.string().min(1), default: "127.0.0.1", help: "Address the HTTP server listens on" },
  PORT: whole(3000, "HTTP port", 0, 65_535),
  DATA_DIR: { schema: z.string().min(1), default: "./data", help: "Embedded mode: where the log and the projections are kept" },
  PARTITIONS: whole(6, "Partitions of the event log (fixed once the log exists)", 1, 1024),
  GRACE_MS: ms(5000, "A minute closes once stream time passes its end by this much"),
  IDLE_SLACK_MS: ms(5000, "A partition caught up to the log end at a minute's end + grace + this closes that quiet minute"),
  ALLOWED_LATENESS_MS: ms(600_000, "How long after a minute closes a late event still corrects it"),
  CHECKPOINT_MS: ms(2000, "How often open minutes with new events are written (as provisional); offsets commit only behind written rows, so this bounds the committed lag", 100),
  ANALYTICS_CHECKPOINT_MS: ms(10_000, "Cluster mode: an open minute's running totals reach PostgreSQL (the minute changelog) at most this often per store; final rows at once; 0 = at every checkpoint"),
  MAX_FUTURE_SKEW_MS: ms(120_000, "occurredAt may be at most this far in the future"),
  PASSIVATE_AFTER_MS: ms(300_000, "A store actor with nothing open is stopped after this idle time"),
  SWEEP_INTERVAL_MS: ms(1000, "Wall-clock pass that closes quiet minutes and commits offsets", 50),
  MAX_BATCH: whole(1000, "Most events in one POST /v1/sales", 1, 100_000),
  MAX_BODY_BYTES: whole(4_194_304, "Largest accepted request body (413 above)", 1024),
  MAX_QUERY_RANGE_MS: ms(86_400_000, "Longest from..to range a minutes query may ask for", 60_000),
  API_KEYS: { schema: z.string(), default: "", help: "Comma-separated ingest keys; when set, POST /v1/sales requires Authorization: Bearer <key> (checked before the body is read)" },
  READ_API_KEYS: {
    schema: z.string(),
    default: "",
    help: "Comma-separated read keys; when set, REST queries, /v1/live and /metrics require Authorization: Bearer <read or ingest key> (off by default; set it in production)",
  },
  INGEST_RATE_LIMIT: whole(0, "Most POST /v1/sales requests per key (or client address without keys) per INGEST_RATE_WINDOW_MS; 0 = no limit; above it 429 + Retry-After"),
  INGEST_RATE_WINDOW_MS: ms(1000, "Window of INGEST_RATE_LIMIT", 1000),
  REQUEST_TIMEOUT_MS: ms(30_000, "A request (headers and body) must be received within this time, else 408 and the connection is closed", 1000),
  HEADERS_TIMEOUT_MS: ms(10_000, "The request headers must be received within this time", 1000),
  KEEP_ALIVE_TIMEOUT_MS: ms(5000, "An idle keep-alive connection is closed after this time", 1000),
  MAX_CONNECTIONS: whole(10_000, "Most simultaneous HTTP connections; further ones are refused", 1),
  LIVE_MIN_INTERVAL_MS: ms(250, "Least time between two ticks of one store to one websocket client"),
  WS_MAX_BUFFERED_BYTES: whole(1_048_576, "A websocket client further behind than this is dropped", 1024),
  WS_MAX_MESSAGE_BYTES: whole(65_536, "Largest websocket message a client may send; a bigger frame closes the connection (1009)", 256, 16_777_216),
  WS_MAX_SUBSCRIBE_IDS: whole(1000, "Most store ids in one websocket subscribe message", 1, 100_000),
  WS_CONTROL_PER_SECOND: whole(5, "Websocket control messages a client may send per second (burst of the same size)", 1),
  WS_MAX_VIOLATIONS: whole(10, "Bad or over-rate websocket messages before the connection is closed (1008)", 1),
  WS_ALLOWED_ORIGINS: { schema: z.string(), default: "", help: "Comma-separated browser Origins allowed on /v1/live besides same-origin pages; * allows any (clients without Origin are always allowed)" },
  LOG_LEVEL: { schema: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]), default: "warn", help: "Server log level (info logs every request)" },
  KAFKA_BROKERS: { schema: z.string().min(1), default: "127.0.0.1:9092", help: "Cluster mode: Kafka bootstrap servers, comma-separated" },
  KAFKA_TOPIC: { schema: z.string().min(1), default: "intraday.sales.v1", help: "Cluster mode: the event topic" },
  KAFKA_GROUP: { schema: z.string().min(1), default: "intraday-windows", help: "Cluster mode: consumer group of the window processors" },
  BULK_FETCH_WAIT_MS: ms(
    500,
    "The raw-history and analytics consumer groups (not on the live path) let records gather for this long before they read (cluster: the broker gathers up to 1 MiB per fetch; embedded: up to 5,000 records per pass); 0 = read as soon as one record is there (at most 5000: consumers heartbeat between fetches and their session times out after 10 s)",
    0,
    5000,
  ),
  CASSANDRA_CONTACT_POINTS: { schema: z.string().min(1), default: "127.0.0.1:9042", help: "Cluster mode: Cassandra contact points" },
  CASSANDRA_KEYSPACE: { schema: z.string().regex(/^[a-z_][a-z0-9_]*$/), default: "intraday", help: "Cluster mode: Cassandra keyspace" },
  CASSANDRA_DC: { schema: z.string().min(1), default: "datacenter1", help: "Cluster mode: Cassandra local data center" },
  CASSANDRA_MINUTES_TTL_DAYS: {
    schema: int(0).max(7300),
    default: "0",
    help: "Cluster mode: rows of the Cassandra minute tables expire this many days after their last write (default_time_to_live, set at migration); 0 = never",
  },
  PG_URL: { schema: z.string().min(1), default: "postgres://intraday:intraday@127.0.0.1:5432/intraday", help: "Cluster mode: PostgreSQL connection URL" },
  ROLE: {
    schema: z.enum(["all", "api", "processor", "windows", "history", "analytics"]),
    default: "all",
    help: "What this process runs besides the API: all consumers; api (none); processor (windows + history); windows; history (raw history only); analytics (minute changelog -> PostgreSQL only)",
  },
  STALL_AFTER_MS: ms(60_000, "A partition with lag whose committed offset has not moved for this long is stalled (/readyz not ready)", 1000),
  TOPOLOGY: {
    schema: z.enum(["threads", "single"]),
    default: "threads",
    help: "threads: the consumers (window processing, raw history) run in a worker thread, ingest/API on the main thread (both cores); single: one event loop for everything",
  },
  API_PROCESSES: whole(
    1,
    "Cluster mode with ROLE=api: API processes sharing PORT (node:cluster), each with its own Kafka producer, PostgreSQL pool and live feed; /metrics sums them",
    1,
    64,
  ),
  WORKER_YOUNG_GENERATION_MB: whole(0, "Young generation of each consumer worker thread in MiB (TOPOLOGY=threads); 0 = V8's default", 0, 4096),
  SHUTDOWN_TIMEOUT_MS: ms(15_000, "Graceful shutdown is forced after this long", 1000),
  RECONCILE_LOOKBACK_MS: ms(7_200_000, "npm run reconcile: how far back from the newest settled minute each run looks", 60_000),
  RETENTION_RAW_DAYS: whole(90, "npm run retention: raw history older than this many days is deleted", 1, 36_500),
  RETENTION_LATE_DAYS: whole(180, "npm run retention: late events older than this (and already folded into the totals) are deleted", 1, 36_500),
  RETENTION_INGEST_ID_DAYS: whole(7, "npm run retention: ingest event ids (duplicate answers to retried POSTs) older than this are deleted", 1, 36_500),
} as const;

/** INTRADAY_* variables read by scripts/services and the test setup, not by the app: allowed, ignored here. */
const TOOLING_VARIABLES = new Set(
  ("CASSANDRA_HEAP CASSANDRA_PORT CASSANDRA_START_TIMEOUT CASSANDRA_STORAGE_PORT CASSANDRA_VERSION JAVA KAFKA_CONTROLLER_PORT " +
    "KAFKA_HEAP KAFKA_PORT KAFKA_START_TIMEOUT KAFKA_VERSION MAVEN_REPO PG_DB PG_PASSWORD PG_PORT PG_START_TIMEOUT PG_USER " +
    "SERVICES_CACHE SERVICES_DIR SERVICES_PARALLEL STOP_TIMEOUT TEST_SERVICES " +
    "SUPERSET_ADMIN_USER SUPERSET_ADMIN_PASSWORD SUPERSET_PORT SUPERSET_PG_USER SUPERSET_PG_PASSWORD SUPERSET_PG_HOST SUPERSET_PG_ADMIN_DSN SUPERSET_WORKERS " +
    "SUPERSET_THREADS SUPERSET_START_TIMEOUT SUPERSET_HOME SUPERSET_SECRET_KEY SUPERSET_METADATA_URL SUPERSET_URL ANALYTICS_OUTAGE_SERVICES_DIR ANALYTICS_OUTAGE_PG_PORT " +
    "AIRFLOW_PORT AIRFLOW_ADMIN_USER AIRFLOW_ADMIN_PASSWORD AIRFLOW_PARALLELISM AIRFLOW_START_TIMEOUT AIRFLOW_DB REPO PYTHON " +
    // the chaos run's own stack and the durations of its short test (scripts/chaos, test/cluster/chaos.spec.ts)
    "CHAOS_SERVICES_DIR CHAOS_PG_PORT CHAOS_KAFKA_PORT CHAOS_KAFKA_CONTROLLER_PORT CHAOS_CASSANDRA_PORT CHAOS_CASSANDRA_STORAGE_PORT " +
    "CHAOS_TEST CHAOS_CALM_S CHAOS_KAFKA_DOWN_S CHAOS_CASSANDRA_DOWN_S CHAOS_POSTGRES_DOWN_S CHAOS_SECOND_S CHAOS_CATCH_UP_S " +
    // the Superset dashboard test writes its screenshot to docs/ only when asked (docs/superset.md)
    "UPDATE_SCREENSHOTS").split(" "),
);

/** Settings that changed name: an old name is refused with the new one. */
const RENAMED: Readonly<Record<string, string>> = { TICK_INTERVAL_MS: "SWEEP_INTERVAL_MS" };

type Key = keyof typeof SETTINGS;
export type Settings = { [K in Key]: z.output<(typeof SETTINGS)[K]["schema"]> } & { apiKeys: string[]; readApiKeys: string[] };

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
    if (name.startsWith("INTRADAY_") && !(name.slice(9) in SETTINGS) && !TOOLING_VARIABLES.has(name.slice(9))) {
      const renamed = RENAMED[name.slice(9)];
      problems.push(renamed ? `${name} was renamed INTRADAY_${renamed}` : `${name} is not a setting (run with --help for the list)`);
    }
  }
  if (problems.length) throw new SettingsError(`invalid settings:\n  ${problems.join("\n  ")}`);
  const settings = out as Settings;
  const list = (v: string) => v.split(",").map((k) => k.trim()).filter(Boolean);
  settings.apiKeys = list(settings.API_KEYS);
  settings.readApiKeys = list(settings.READ_API_KEYS);
  if (settings.HEADERS_TIMEOUT_MS > settings.REQUEST_TIMEOUT_MS) {
    throw new SettingsError(`invalid settings:\n  INTRADAY_HEADERS_TIMEOUT_MS (${settings.HEADERS_TIMEOUT_MS}) must not exceed INTRADAY_REQUEST_TIMEOUT_MS (${settings.REQUEST_TIMEOUT_MS})`);
  }
  if (settings.API_PROCESSES > 1 && (settings.MODE !== "cluster" || settings.ROLE !== "api")) {
    throw new SettingsError(
      `invalid settings:\n  INTRADAY_API_PROCESSES=${settings.API_PROCESSES} needs INTRADAY_MODE=cluster and INTRADAY_ROLE=api ` +
        `(now ${settings.MODE}, ${settings.ROLE}): the embedded log has one writer, and an instance's consumers run once. ` +
        `Run the consumers in an instance of their own (ROLE=processor) beside the API processes.`,
    );
  }
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
