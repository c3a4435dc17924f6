/**
 * npx tsx bench/cluster/drop-stale-runs.ts
 * Drops what interrupted bench runs left on the shared services: every `bench_*` Cassandra keyspace and
 * PostgreSQL database and every `bench-*` Kafka topic. A finished run drops its own; one killed midway
 * cannot, and its keyspace, database and topics stay on the shared services (tables on Cassandra's
 * heap, disk, topics the broker keeps). Run it only while no bench is running.
 */
import cassandra from "cassandra-driver";
import pg from "pg";
import { createKafka } from "../../src/event-log/kafka/kafka-client.ts";
import { BASE } from "./stack.ts";

async function main(): Promise<void> {
  const cass = new cassandra.Client({ contactPoints: BASE.CASSANDRA_CONTACT_POINTS.split(","), localDataCenter: BASE.CASSANDRA_DC, socketOptions: { readTimeout: 120_000 } });
  const keyspaces = (await cass.execute("SELECT keyspace_name FROM system_schema.keyspaces")).rows.map((r) => String(r["keyspace_name"])).filter((k) => k.startsWith("bench_"));
  for (const [i, k] of keyspaces.entries()) {
    await cass.execute(`DROP KEYSPACE IF EXISTS ${k}`);
    console.log(`cassandra: dropped ${k} (${i + 1}/${keyspaces.length})`);
  }
  await cass.shutdown();
  const pgc = new pg.Client({ connectionString: BASE.PG_URL });
  await pgc.connect();
  const dbs = (await pgc.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'bench\\_%'")).rows.map((r) => r.datname);
  for (const d of dbs) await pgc.query(`DROP DATABASE IF EXISTS ${d} WITH (FORCE)`);
  console.log(`postgres: dropped ${dbs.length} databases`);
  await pgc.end();
  const admin = createKafka({ brokers: BASE.KAFKA_BROKERS.split(","), topic: "unused", partitions: 1, clientId: "intraday-bench-drop-stale" }).admin();
  await admin.connect();
  const topics = (await admin.listTopics()).filter((t) => t.startsWith("bench-"));
  if (topics.length) await admin.deleteTopics({ topics, timeout: 60_000 });
  console.log(`kafka: deleted ${topics.length} topics`);
  await admin.disconnect();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
