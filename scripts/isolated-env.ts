import { randomBytes } from "node:crypto";
import pg from "pg";

/**
 * A namespace of its own on shared services, for one test file or one chaos run: a Kafka topic and
 * consumer group, a Cassandra keyspace and a PostgreSQL database, all named after one fresh id, so
 * runs never see each other's data. `conn` holds the connection settings (unprefixed).
 */
export async function isolatedNamespace(conn: Record<string, string>, prefix: string): Promise<{ id: string; env: Record<string, string>; drop: () => Promise<void> }> {
  const id = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  const serverUrl = conn.PG_URL;
  if (!serverUrl) throw new Error("isolatedNamespace needs PG_URL");
  const onServer = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await onServer(`CREATE DATABASE ${id}`);
  const url = new URL(serverUrl);
  url.pathname = `/${id}`;
  return {
    id,
    env: { ...conn, PG_URL: url.toString(), KAFKA_TOPIC: id.replace(/_/g, "-"), KAFKA_GROUP: `${id}-windows`, CASSANDRA_KEYSPACE: id },
    drop: () => onServer(`DROP DATABASE IF EXISTS ${id} WITH (FORCE)`).catch(() => undefined),
  };
}
