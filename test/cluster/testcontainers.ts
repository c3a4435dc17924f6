import { GenericContainer, Wait, type StartedTestContainer } from "testcontainers";

/**
 * Kafka (KRaft), Cassandra and PostgreSQL from testcontainers, with the same versions and settings
 * as scripts/services. Only where a Docker engine exists (not on the project's build machines).
 */
export async function startContainers(): Promise<{ env: Record<string, string>; stop: () => Promise<void> }> {
  const pg = new GenericContainer("postgres:15")
    .withEnvironment({ POSTGRES_USER: "intraday", POSTGRES_PASSWORD: "intraday", POSTGRES_DB: "intraday" })
    .withExposedPorts(5432)
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .start();
  const kafka = new GenericContainer("apache/kafka:4.1.0")
    .withExposedPorts({ container: 9092, host: 9092 })
    .withEnvironment({
      KAFKA_NODE_ID: "1",
      KAFKA_PROCESS_ROLES: "broker,controller",
      KAFKA_LISTENERS: "PLAINTEXT://0.0.0.0:9092,CONTROLLER://0.0.0.0:9093",
      KAFKA_ADVERTISED_LISTENERS: "PLAINTEXT://127.0.0.1:9092",
      KAFKA_CONTROLLER_LISTENER_NAMES: "CONTROLLER",
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
      KAFKA_CONTROLLER_QUORUM_VOTERS: "1@localhost:9093",
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: "1",
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: "1",
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: "1",
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: "1",
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: "1",
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: "0",
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: "false",
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .start();
  const cassandra = new GenericContainer("cassandra:5.0")
    .withEnvironment({ MAX_HEAP_SIZE: "768M", HEAP_NEWSIZE: "128M", JVM_OPTS: "-Dcassandra.skip_wait_for_gossip_to_settle=0 -Dcassandra.initial_token=0" })
    .withExposedPorts(9042)
    .withWaitStrategy(Wait.forLogMessage(/Starting listening for CQL clients/))
    .withStartupTimeout(180_000)
    .start();
  const [p, k, c]: [StartedTestContainer, StartedTestContainer, StartedTestContainer] = await Promise.all([pg, kafka, cassandra]);
  return {
    env: {
      KAFKA_BROKERS: `${k.getHost()}:${k.getMappedPort(9092)}`,
      CASSANDRA_CONTACT_POINTS: `${c.getHost()}:${c.getMappedPort(9042)}`,
      PG_URL: `postgres://intraday:intraday@${p.getHost()}:${p.getMappedPort(5432)}/intraday`,
    },
    stop: async () => {
      await Promise.all([p.stop(), k.stop(), c.stop()]);
    },
  };
}
