/**
 * In-process A/B of the Kafka ingest path — KafkaIngestLog + PgSeenIds (PostgreSQL id index, fingerprints, record
 * values, kafkajs encoding, acks=all) — on the real services: this checkout's code against the same files of another
 * checkout, in one process, rounds alternated. Events are validated before the clock starts, so this is the log's
 * side only: server CPU µs per event (process.cpuUsage), median and min over the rounds, plus events/s.
 *   npx tsx bench/cluster/ingest-log-ab.ts --baseline <dir> [--rounds 6]
 * (baseline: e.g. `git archive main | tar -x -C /tmp/base && ln -s "$PWD/node_modules" /tmp/base/node_modules`).
 * Uses its own topic and PostgreSQL database and drops them at the end. Writes bench/results/ingest-log-ab-latest.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import type { SaleEvent } from "../../src/domain/event.ts";
import { createKafka, ensureTopics } from "../../src/event-log/kafka/kafka-client.ts";
import { KafkaIngestLog } from "../../src/event-log/kafka/kafka-ingest-log.ts";
import type { IngestLog, SeenIds } from "../../src/event-log/ports.ts";
import { IngestService } from "../../src/ingest/ingest-service.ts";
import { PgSeenIds } from "../../src/projections/postgres/pg-seen-ids.ts";
import { BodyFactory } from "../fixtures.ts";
import { BASE, isolate, servicesUp } from "./stack.ts";

const { values: flags } = parseArgs({ options: { baseline: { type: "string" }, rounds: { type: "string", default: "6" } } });
if (!flags.baseline) {
  console.error("usage: npx tsx bench/cluster/ingest-log-ab.ts --baseline <checkout dir> [--rounds N]");
  process.exit(2);
}
const ROUNDS = Number(flags.rounds);
const PARTITIONS = 6;
type LogClass = new (kafka: ReturnType<typeof createKafka>, topic: string, partitions: number, seen: SeenIds, warn: (m: string) => void) => KafkaIngestLog;
type SeenClass = new (pool: pg.Pool) => SeenIds;

async function main(): Promise<void> {
  await servicesUp();
  const root = resolve(flags.baseline!);
  const baseLog = (await import(join(root, "src/event-log/kafka/kafka-ingest-log.ts"))) as { KafkaIngestLog: LogClass };
  const baseSeen = (await import(join(root, "src/projections/postgres/pg-seen-ids.ts"))) as { PgSeenIds: SeenClass };
  const iso = await isolate(PARTITIONS);
  const pool = new pg.Pool({ connectionString: iso.env.PG_URL, max: 4 });
  const kafka = createKafka({ brokers: BASE.KAFKA_BROKERS.split(","), topic: iso.topic, partitions: PARTITIONS, clientId: "ingest-log-ab" });
  const admin = kafka.admin();
  try {
    await pool.query("CREATE TABLE IF NOT EXISTS ingest_event_ids (event_id uuid PRIMARY KEY, appended_at timestamptz NOT NULL DEFAULT now(), fingerprint bigint)");
    await admin.connect();
    await ensureTopics(admin, { brokers: BASE.KAFKA_BROKERS.split(","), topic: iso.topic, partitions: PARTITIONS });
    const logs: Record<"baseline" | "this", KafkaIngestLog> = {
      baseline: new baseLog.KafkaIngestLog(kafka, iso.topic, PARTITIONS, new baseSeen.PgSeenIds(pool), () => undefined),
      this: new KafkaIngestLog(kafka, iso.topic, PARTITIONS, new PgSeenIds(pool), () => undefined),
    };
    await logs.baseline.connect();
    await logs.this.connect();
    const bodies = new BodyFactory(1000);
    const validator = new IngestService(logs.this as IngestLog, { maxBatch: 1000, maxFutureSkewMs: 120_000 });
    const round = async (log: KafkaIngestLog, requests: number, perRequest: number, concurrency: number) => {
      const batches: SaleEvent[][] = Array.from({ length: requests }, () => validator.validate(JSON.parse(perRequest === 1 ? bodies.event() : bodies.batch(perRequest))).events);
      const cpu = process.cpuUsage();
      const t = performance.now();
      let next = 0;
      await Promise.all(Array.from({ length: concurrency }, async () => { while (next < batches.length) await log.appendNew(batches[next++]!); }));
      const d = process.cpuUsage(cpu);
      const events = requests * perRequest;
      return { cpuUsPerEvent: (d.user + d.system) / events, eventsPerSecond: events / ((performance.now() - t) / 1000) };
    };
    const cases = { batch: [60, 500, 8], single: [3000, 1, 200] } as const;
    const samples: Record<string, { cpuUsPerEvent: number[]; eventsPerSecond: number[] }> = {};
    for (const which of ["baseline", "this"] as const) for (const [, c] of Object.entries(cases)) await round(logs[which], Math.ceil(c[0] / 3), c[1], c[2]); // warm-up
    for (let r = 0; r < ROUNDS; r++) {
      for (const which of r % 2 ? (["this", "baseline"] as const) : (["baseline", "this"] as const)) {
        for (const [name, c] of Object.entries(cases)) {
          const s = await round(logs[which], c[0], c[1], c[2]);
          const k = `${name} ${which}`;
          samples[k] ??= { cpuUsPerEvent: [], eventsPerSecond: [] };
          samples[k].cpuUsPerEvent.push(s.cpuUsPerEvent);
          samples[k].eventsPerSecond.push(s.eventsPerSecond);
        }
      }
    }
    await logs.baseline.close();
    await logs.this.close();
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const summary = Object.fromEntries(
      Object.entries(samples).map(([k, v]) => [k, { cpuUsPerEventMedian: median(v.cpuUsPerEvent), cpuUsPerEventMin: Math.min(...v.cpuUsPerEvent), eventsPerSecondMedian: median(v.eventsPerSecond), samples: v }]),
    );
    console.log(`load ${loadavg().map((x) => x.toFixed(2)).join(" ")}; ${ROUNDS} alternated rounds; batch = 60 requests × 500 events, 8 concurrent; single = 3,000 requests, 200 concurrent`);
    for (const [k, v] of Object.entries(summary).sort()) {
      console.log(`  ${k.padEnd(16)} CPU ${v.cpuUsPerEventMedian.toFixed(1)} µs/event (min ${v.cpuUsPerEventMin.toFixed(1)}), ${Math.round(v.eventsPerSecondMedian).toLocaleString("en-US")} events/s`);
    }
    const dir = join(import.meta.dirname, "..", "results");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "ingest-log-ab-latest.json"), JSON.stringify({ at: new Date().toISOString(), baseline: root, rounds: ROUNDS, loadavg: loadavg(), summary }, null, 2));
  } finally {
    await admin.disconnect().catch(() => undefined);
    await pool.end();
    const problems = await iso.drop();
    if (problems.length) console.error(`drop: ${problems.join("; ")}`);
  }
}

main().catch((err) => {
  console.error("ingest-log-ab failed:", err);
  process.exit(1);
});
