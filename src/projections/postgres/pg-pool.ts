import pg from "pg";

export interface PgPoolOptions {
  connectionString: string;
  max: number;
  /** Told once per lost connection, with the error's message and code only. */
  onConnectionError?: (err: { message: string; code?: string }) => void;
}

/**
 * A pool whose clients never crash the process when their connection is lost.
 *
 * pg-pool listens for a client's `error` only while the client is idle in the pool. A client that is
 * checked out (`pool.connect()`, as raw history's COPY transaction does) has no listener, and the
 * `error` it emits when PostgreSQL goes away (a FATAL between queries, or the socket closing before
 * the failed query's caller has released it) is then an uncaught exception. Every client gets a
 * listener of its own for life: the query in flight still fails with the error, and the caller's
 * `release(err)` still discards the client.
 */
export function createPgPool(o: PgPoolOptions): pg.Pool {
  const pool = new pg.Pool({ connectionString: o.connectionString, max: o.max });
  const tell = o.onConnectionError ?? (() => undefined);
  pool.on("connect", (client) => {
    let told = false;
    client.on("error", (err: Error & { code?: string }) => {
      if (told) return;
      told = true;
      tell({ message: err.message, ...(err.code ? { code: err.code } : {}) });
    });
  });
  // pg-pool emits the idle client's error here too; the client's own listener has told it already.
  pool.on("error", () => undefined);
  return pool;
}
