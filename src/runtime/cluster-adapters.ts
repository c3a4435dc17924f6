import { watchSlowCalls } from "../observability/slow-calls.ts";
import type { Settings } from "../config/settings.ts";
import { createKafka, ensureTopics, topicNames } from "../event-log/kafka/kafka-client.ts";
import { KafkaLogConsumer } from "../event-log/kafka/kafka-consumer.ts";
import { KafkaDeadLetters } from "../event-log/kafka/kafka-dead-letters.ts";
import { KafkaIngestLog } from "../event-log/kafka/kafka-ingest-log.ts";
import { KafkaTicks } from "../live/kafka-ticks.ts";
import { noTicks } from "../live/ports.ts";
import { componentLogger } from "../observability/logger.ts";
import { migrateCassandra } from "../projections/cassandra/cassandra-migrate.ts";
import { applyMinutesTtl } from "../projections/cassandra/cassandra-minutes-ttl.ts";
import { CassandraMinuteProjection, createCassandraClient } from "../projections/cassandra/cassandra-minute-projection.ts";
import { analyticsProjectionHandler } from "../projections/analytics/analytics-projection.ts";
import { ChangelogLateEvents } from "../projections/analytics/changelog-late-events.ts";
import { ChangelogMinuteProjection } from "../projections/analytics/changelog-minute-projection.ts";
import { changelogTopic, ensureChangelogTopic, KafkaMinuteChangelog } from "../projections/analytics/kafka-minute-changelog.ts";
import { PgMinuteTotals } from "../projections/analytics/pg-minute-totals.ts";
import { PgStoreDirectory } from "../projections/analytics/pg-store-directory.ts";
import { migratePostgres } from "../projections/postgres/pg-migrate.ts";
import { PgLateEvents } from "../projections/postgres/pg-late-events.ts";
import { createPgPool } from "../projections/postgres/pg-pool.ts";
import { PgRawHistory } from "../projections/postgres/pg-raw-history.ts";
import { PgSeenIds } from "../projections/postgres/pg-seen-ids.ts";
import type { Adapters } from "./adapters.ts";
import { lastReconciliation } from "../operations/reconcile-drift.ts";
import { retryWithBackoff } from "../consumers/retry.ts";

export type ClusterSettings = Pick<
  Settings,
  "KAFKA_BROKERS" | "BULK_FETCH_WAIT_MS" | "KAFKA_TOPIC" | "KAFKA_GROUP" | "PARTITIONS" | "CASSANDRA_CONTACT_POINTS" | "CASSANDRA_DC" | "CASSANDRA_KEYSPACE" | "CASSANDRA_MINUTES_TTL_DAYS" | "PG_URL" | "ANALYTICS_CHECKPOINT_MS"
>;

export function cassandraSettings(s: ClusterSettings) {
  return { contactPoints: s.CASSANDRA_CONTACT_POINTS.split(",").map((c) => c.trim()), localDataCenter: s.CASSANDRA_DC, keyspace: s.CASSANDRA_KEYSPACE };
}

/** Applies the CQL and SQL migrations and the minute tables' TTL setting (also run at start; `npm run migrate` runs them alone). */
export async function migrateAll(s: ClusterSettings): Promise<{ cassandra: string[]; postgres: string[] }> {
  const cass = createCassandraClient(cassandraSettings(s));
  const pool = createPgPool({ connectionString: s.PG_URL, max: 2 });
  try {
    const cassandra = await migrateCassandra(cass, s.CASSANDRA_KEYSPACE);
    cassandra.push(...(await applyMinutesTtl(cass, s.CASSANDRA_KEYSPACE, s.CASSANDRA_MINUTES_TTL_DAYS)));
    return { cassandra, postgres: await migratePostgres(pool) };
  } finally {
    await cass.shutdown();
    await pool.end();
  }
}

/**
 * A broker that has just started may not serve a new topic's metadata yet ("This server does not
 * host this topic-partition"), after kafkajs' own retries: found by the chaos run, where the app
 * exited at start. Such errors are retried this long; any other fails the start at once.
 */
const TOPIC_METADATA_PATIENCE_MS = 30_000;
function isTopicMetadataRace(err: unknown): boolean {
  const e = err as { type?: unknown; originalError?: { type?: unknown } };
  const type = e.type ?? e.originalError?.type;
  return type === "UNKNOWN_TOPIC_OR_PARTITION" || type === "LEADER_NOT_AVAILABLE" || type === "NOT_CONTROLLER";
}

async function reachable<T>(what: string, fix: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    throw new Error(`${what} is not reachable (${(err as Error).message}). ${fix}`);
  }
}

/**
 * The consumer groups off the live path (raw history, analytics) fetch in bulk: at a low rate a
 * fetch per record woke their worker, Kafka and PostgreSQL once per event, which on this machine
 * cost about 1.5 ms of CPU per event (at 200 events/s a third of the two cores, and the POST → tick
 * latency with it). At a high rate fetches fill long before the wait ends, so nothing changes there.
 */
function bulkFetch(waitMs: number): { fetch?: { minBytes: number; maxWaitMs: number } } {
  return waitMs > 0 ? { fetch: { minBytes: 1024 * 1024, maxWaitMs: waitMs } } : {};
}

/**
 * The real stack: Kafka log, ticks and minute changelog, Cassandra minute projections, PostgreSQL
 * history and analytics tables. The window group touches Kafka and Cassandra only: its minute rows
 * and late events reach PostgreSQL through the changelog and the analytics group.
 */
/**
 * `liveFeed: false` for a processing worker: it publishes ticks but serves no websocket, so it does not read them.
 * `origin`: the instance these adapters serve (its main thread and its workers share it; see KafkaTicks).
 */
export async function clusterAdapters(s: ClusterSettings, { liveFeed = true, origin }: { liveFeed?: boolean; origin?: string } = {}): Promise<Adapters> {
  const hint = "Start the local services with `npm run services:up`, or point the INTRADAY_* connection settings at yours.";
  const names = topicNames(s.KAFKA_TOPIC);
  const kafkaSettings = { brokers: s.KAFKA_BROKERS.split(",").map((b) => b.trim()), topic: s.KAFKA_TOPIC, partitions: s.PARTITIONS };
  const kafka = createKafka(kafkaSettings);
  const bulk = bulkFetch(s.BULK_FETCH_WAIT_MS);
  const admin = kafka.admin();
  await reachable(`Kafka at ${s.KAFKA_BROKERS}`, hint, async () => {
    await admin.connect();
    const patience = Date.now() + TOPIC_METADATA_PATIENCE_MS;
    await retryWithBackoff(
      async () => {
        await ensureTopics(admin, kafkaSettings);
        await ensureChangelogTopic(admin, s.KAFKA_TOPIC, s.PARTITIONS);
      },
      { shouldRetry: (err) => isTopicMetadataRace(err) && Date.now() < patience },
    );
  });
  await reachable(`Cassandra/PostgreSQL`, hint, () => migrateAll(s));
  const pool = createPgPool({
    connectionString: s.PG_URL,
    max: 10,
    onConnectionError: (err) => componentLogger("postgres").warn({ err }, "PostgreSQL connection lost (its queries fail and are retried)"),
  });
  const cass = createCassandraClient(cassandraSettings(s), s.CASSANDRA_KEYSPACE);
  await cass.connect();
  const changelog = new KafkaMinuteChangelog(kafka, changelogTopic(s.KAFKA_TOPIC));
  await changelog.connect();
  // Each side watched on its own: a slow write then names Cassandra or the changelog's Kafka producer.
  const slow = { warnAfterMs: 5000 };
  const minutes = new ChangelogMinuteProjection(
    watchSlowCalls("cassandra", new CassandraMinuteProjection(cass, s.PARTITIONS), slow),
    watchSlowCalls("changelog", changelog, slow),
    { provisionalEveryMs: s.ANALYTICS_CHECKPOINT_MS },
  );
  const pgLate = new PgLateEvents(pool);
  const pgMinuteTotals = new PgMinuteTotals(pool);
  const ingestLog = new KafkaIngestLog(kafka, names.events, s.PARTITIONS, new PgSeenIds(pool));
  await ingestLog.connect();
  const deadLetters = new KafkaDeadLetters(kafka, names.deadLetters);
  await deadLetters.connect();
  const ticks = new KafkaTicks(kafka, names.ticks, { partitions: s.PARTITIONS, subscribe: liveFeed, ...(origin ? { origin } : {}) });
  await ticks.start();
  return {
    mode: "cluster",
    ingestLog,
    deadLetters,
    windowConsumer: new KafkaLogConsumer(kafka, { groupId: s.KAFKA_GROUP, topic: names.events, concurrency: s.PARTITIONS }),
    rawHistoryConsumer: new KafkaLogConsumer(kafka, { groupId: `${s.KAFKA_GROUP}-raw-history`, topic: names.events, concurrency: 2, ...bulk }),
    minutes,
    analytics: {
      consumer: new KafkaLogConsumer(kafka, { groupId: `${s.KAFKA_GROUP}-analytics`, topic: changelogTopic(s.KAFKA_TOPIC), concurrency: 2, ...bulk }),
      handler: analyticsProjectionHandler(
        { upsertMinuteTotals: (rows) => pgMinuteTotals.upsertMinuteTotals(rows), insertLateEvents: (recs) => pgLate.insertLateEvents(recs) },
        deadLetters,
      ),
    },
    storeDirectory: new PgStoreDirectory(pool),
    late: new ChangelogLateEvents(changelog, pgLate),
    rawHistory: new PgRawHistory(pool),
    ticksOut: ticks,
    ticksIn: liveFeed ? ticks : noTicks,
    ticksFromWorker: { publish: (t) => ticks.deliverLocally(t) },
    lastReconciliation: () => lastReconciliation(pool),
    async health() {
      const check = async (f: () => Promise<unknown>) => f().then(() => "ok", (e: Error) => `error: ${e.message}`);
      return {
        kafka: ingestLog.healthy() ? "ok" : "error: the last append to Kafka failed",
        cassandra: await check(() => cass.execute("SELECT release_version FROM system.local")),
        postgres: await check(() => pool.query("SELECT 1")),
      };
    },
    async close() {
      await ticks.close().catch(() => undefined);
      await ingestLog.close().catch(() => undefined);
      await deadLetters.close().catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
      await minutes.close().catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}
