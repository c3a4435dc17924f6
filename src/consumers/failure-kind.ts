/**
 * Why a write failed, decided in one place for every consumer:
 * - `deterministic`: the record itself cannot be stored (bad data, a limit); retrying cannot help, so
 *   the record goes to the dead-letter sink with the reason and the partition moves on;
 * - `transient`: the store is down, slow or busy; the same write will succeed later, so it is
 *   retried with backoff.
 * Anything unknown is transient: retrying (and the stall alarm) never loses data, skipping would.
 */
export type FailureKind = "deterministic" | "transient";

/** PostgreSQL SQLSTATE classes caused by the data of the statement. */
const PG_DETERMINISTIC_CLASSES = new Set(["22", "23", "54"]);
/** PostgreSQL SQLSTATE classes of an unavailable, restarting or overloaded server. */
const PG_TRANSIENT_CLASSES = new Set(["08", "40", "53", "55", "57", "58"]);
const NODE_NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ECONNABORTED"]);
/** cassandra-driver `types.responseErrorCodes`: syntaxError, invalid. */
const CASSANDRA_DETERMINISTIC_CODES = new Set([0x2000, 0x2200]);
const CASSANDRA_TRANSIENT_NAMES = new Set(["NoHostAvailableError", "OperationTimedOutError", "BusyConnectionError"]);

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  deterministic?: unknown;
  retriable?: unknown;
  message?: unknown;
}

const SQLSTATE = /^[0-9A-Z]{5}$/;
/** What the clients say when used after close: pg, pg-pool, better-sqlite3 (the embedded stores). */
const CLOSED_CLIENT_MESSAGES = [/^Client was closed and is not queryable$/, /^Cannot use a pool after calling end on the pool$/, /^The database connection is not open$/];

/**
 * True only when the error positively says the store is unreachable, closed, restarting or busy
 * (a network code, a PostgreSQL class of an unavailable server, a Cassandra host/timeout error, a
 * closed client). Unlike classifyFailure, an unknown error is not assumed to be an outage: the
 * HTTP edge answers 503 for these and keeps 500 for real bugs.
 */
export function isUnavailable(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const e = err as ErrorShape;
  if (e.deterministic === true) return false;
  if (e.retriable === true) return true;
  if (typeof e.code === "string") {
    if (NODE_NETWORK_CODES.has(e.code)) return true;
    if (SQLSTATE.test(e.code) && PG_TRANSIENT_CLASSES.has(e.code.slice(0, 2))) return true;
  }
  if (typeof e.name === "string" && CASSANDRA_TRANSIENT_NAMES.has(e.name)) return true;
  return typeof e.message === "string" && CLOSED_CLIENT_MESSAGES.some((m) => m.test(e.message as string));
}

export function classifyFailure(err: unknown): FailureKind {
  if (typeof err !== "object" || err === null) return "transient";
  const e = err as ErrorShape;
  if (e.deterministic === true) return "deterministic";
  if (isUnavailable(err)) return "transient";
  if (typeof e.code === "string" && SQLSTATE.test(e.code) && PG_DETERMINISTIC_CLASSES.has(e.code.slice(0, 2))) return "deterministic";
  if (e.name === "ResponseError" && typeof e.code === "number") return CASSANDRA_DETERMINISTIC_CODES.has(e.code) ? "deterministic" : "transient";
  return "transient";
}

/** A unique violation: on an idempotent insert it means the row is already there, i.e. success. */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as ErrorShape).code === "23505";
}

/** The reason recorded with a dead letter: the store's message and its code when it has one. */
export function failureReason(err: unknown): string {
  if (typeof err !== "object" || err === null) return String(err);
  const e = err as ErrorShape;
  const message = typeof e.message === "string" ? e.message : String(err);
  const code = typeof e.code === "string" || typeof e.code === "number" ? ` (${typeof e.code === "number" ? "0x" + e.code.toString(16) : e.code})` : "";
  return `${message}${code}`.slice(0, 1000);
}
