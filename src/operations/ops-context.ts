import type { Client } from "cassandra-driver";
import type pg from "pg";
import { windowingOf, type Settings } from "../config/settings.ts";
import type { WindowingConfig } from "../domain/windowing-config.ts";
import { CassandraMinuteProjection, createCassandraClient } from "../projections/cassandra/cassandra-minute-projection.ts";
import { createPgPool } from "../projections/postgres/pg-pool.ts";
import { PgRawHistory } from "../projections/postgres/pg-raw-history.ts";
import { cassandraSettings, migrateAll } from "../runtime/cluster-adapters.ts";

/** What the operations use-cases work with: the real stack's stores, the windowing rules and a clock. */
export interface OpsContext {
  settings: Settings;
  cfg: WindowingConfig;
  pool: pg.Pool;
  cassandra: Client;
  minutes: CassandraMinuteProjection;
  history: PgRawHistory;
  now: () => number;
  progress: (message: string) => void;
  close(): Promise<void>;
}

export class OpsUsageError extends Error {
  readonly code = "INTRADAY_OPS_USAGE";
}

/** Opens the cluster stores (operations run on the real stack only) after applying the migrations. */
export async function openOpsContext(settings: Settings, progress: (message: string) => void = () => undefined): Promise<OpsContext> {
  if (settings.MODE !== "cluster") throw new OpsUsageError("operations run against the real stack: set INTRADAY_MODE=cluster (see docs/airflow.md)");
  const pool = createPgPool({ connectionString: settings.PG_URL, max: 4 });
  const cassandra = createCassandraClient(cassandraSettings(settings), settings.CASSANDRA_KEYSPACE);
  try {
    await migrateAll(settings);
    await cassandra.connect();
  } catch (err) {
    await Promise.allSettled([pool.end(), cassandra.shutdown()]);
    throw new Error(`cannot reach the stack (${(err as Error).message}); is it up? npm run services:up`);
  }
  return {
    settings,
    cfg: windowingOf(settings),
    pool,
    cassandra,
    minutes: new CassandraMinuteProjection(cassandra, settings.PARTITIONS),
    history: new PgRawHistory(pool),
    now: Date.now,
    progress,
    close: async () => {
      await Promise.allSettled([pool.end(), cassandra.shutdown()]);
    },
  };
}
