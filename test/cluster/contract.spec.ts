import pg from "pg";
import { migrateCassandra } from "../../src/projections/cassandra/cassandra-migrate.ts";
import { CassandraMinuteProjection, createCassandraClient } from "../../src/projections/cassandra/cassandra-minute-projection.ts";
import { migratePostgres } from "../../src/projections/postgres/pg-migrate.ts";
import { PgLateEvents } from "../../src/projections/postgres/pg-late-events.ts";
import { PgRawHistory } from "../../src/projections/postgres/pg-raw-history.ts";
import { projectionContract } from "../contract/minute-projection.contract.ts";
import { isolatedEnv } from "./support.ts";

// The same contract the embedded stand-ins pass, against Cassandra (minute rows) and PostgreSQL
// (late events, raw history), each in a fresh keyspace and database.
projectionContract("Cassandra + PostgreSQL", async () => {
  const { env, drop } = await isolatedEnv(3);
  const settings = { contactPoints: env.CASSANDRA_CONTACT_POINTS!.split(","), localDataCenter: "datacenter1", keyspace: env.CASSANDRA_KEYSPACE! };
  const admin = createCassandraClient(settings);
  await migrateCassandra(admin, settings.keyspace);
  await admin.shutdown();
  const cassandra = createCassandraClient(settings, settings.keyspace);
  const pool = new pg.Pool({ connectionString: env.PG_URL, max: 4 });
  await migratePostgres(pool);
  return {
    minutes: new CassandraMinuteProjection(cassandra, 16),
    late: new PgLateEvents(pool),
    history: new PgRawHistory(pool),
    async close() {
      await cassandra.shutdown();
      await pool.end();
      await drop();
    },
  };
});
