/**
 * Where a Kafka ingest acknowledgement's time goes at a steady rate, without HTTP: the id index
 * lookup, recording the ids (behind the acknowledgement), and the whole append. On a fresh topic;
 * the services of `npm run services:up`.
 *   npx tsx bench/cluster/ack-probe.ts [events/s = 200] [seconds = 10]
 */
import pg from "pg";
import { randomUUID } from "node:crypto";
import { createKafka, ensureTopics, topicNames } from "../../src/event-log/kafka/kafka-client.ts";
import { KafkaIngestLog } from "../../src/event-log/kafka/kafka-ingest-log.ts";
import { PgSeenIds } from "../../src/projections/postgres/pg-seen-ids.ts";
import { decodeEvent } from "../../src/domain/event.ts";
import type { RecordedId, SeenIds } from "../../src/event-log/ports.ts";

const rate = Number(process.argv[2] ?? 200);
const seconds = Number(process.argv[3] ?? 10);
const pool = new pg.Pool({ connectionString: process.env.INTRADAY_PG_URL ?? "postgresql://intraday:intraday@127.0.0.1:5432/intraday", max: 10 });
const t = { seen: [] as number[], remember: [] as number[], append: [] as number[] };
class Timed implements SeenIds {
  constructor(private readonly real: SeenIds) {}
  async seen(ids: readonly string[]) { const s = performance.now(); try { return await this.real.seen(ids); } finally { t.seen.push(performance.now() - s); } }
  async remember(ids: readonly RecordedId[]) { const s = performance.now(); try { await this.real.remember(ids); } finally { t.remember.push(performance.now() - s); } }
}
const settings = { brokers: (process.env.INTRADAY_KAFKA_BROKERS ?? "127.0.0.1:9092").split(","), topic: `ackprobe-${Date.now()}`, partitions: 6 };
const kafka = createKafka(settings);
const admin = kafka.admin();
await admin.connect();
await ensureTopics(admin, settings);
const log = new KafkaIngestLog(kafka, topicNames(settings.topic).events, 6, new Timed(new PgSeenIds(pool)), () => undefined);
await log.connect();
const pending: Promise<void>[] = [];
const start = performance.now();
for (let i = 0; i < rate * seconds; i++) {
  const due = start + (i * 1000) / rate;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const r = decodeEvent({ eventId: randomUUID(), storeId: `s-${i % 50}`, occurredAt: new Date().toISOString(), type: "sale", currency: "EUR", lines: [{ sku: "a", quantity: 1, unitPriceMinor: 100 }] });
  if (!r.ok) throw new Error("bad");
  const s = performance.now();
  pending.push(log.appendNew([r.event]).then(() => void t.append.push(performance.now() - s)));
}
await Promise.all(pending);
await log.close();
await admin.deleteTopics({ topics: [topicNames(settings.topic).events] }).catch(() => undefined);
await admin.disconnect();
await pool.end();
const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * p)]?.toFixed(2);
for (const [k, xs] of Object.entries(t)) console.log(`${k}: n ${xs.length} p50 ${q(xs, 0.5)} p90 ${q(xs, 0.9)} p99 ${q(xs, 0.99)} ms`);
