/**
 * npm run bench:soak [-- --minutes 30 --rate 3000 --stores 2000]
 * The soak of issue 8 on the real stack: the server (cluster mode, default topology) under a steady
 * POST load for a long time, while the bench samples the server's RSS, the window group's lag and
 * POST → websocket tick latency (a light probe stream beside the load). Pass: RSS flat after
 * warm-up (last third vs the third after warm-up), tick p99 < 250 ms after warm-up, lag never above 5
 * s of traffic. Where a tick's time went after warm-up comes from the server's own histograms.
 * Also where the two cores went after warm-up: CPU of the server, each service, this bench process
 * and the whole machine, per accepted event and in cores busy.
 * Writes bench/results/soak-<timestamp>.json and soak-latest.json.
 */
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import http from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import cassandra from "cassandra-driver";
import { createKafka, ensureTopics, topicNames } from "../../src/event-log/kafka/kafka-client.ts";
import { changelogTopic } from "../../src/projections/analytics/kafka-minute-changelog.ts";
import { BodyFactory } from "../fixtures.ts";
import { cpuMs } from "../http.ts";
import { keepAliveRequest, resetRetries } from "./keep-alive-request.ts";
import { percentiles, tickLatency, type TickLatencyResult } from "./latency.ts";
import { startServer } from "./server.ts";
import { BASE, isolate, servicePids, servicesCpuMs, servicesUp } from "./stack.ts";
import { bucketDelta, parseBuckets, summarize, type BucketSummary } from "./histograms.ts";

const { values: flags } = parseArgs({
  options: {
    minutes: { type: "string", default: "30" },
    rate: { type: "string", default: "3000" },
    stores: { type: "string", default: "2000" },
    batch: { type: "string", default: "50" },
  },
});
const MINUTES = Number(flags.minutes);
const RATE = Number(flags.rate);
const STORES = Number(flags.stores);
const BATCH = Number(flags.batch);
const PARTITIONS = 6;
const SAMPLE_MS = 5000;
const PROBE_SECONDS = 10;
const log = (m: string) => console.log(`[soak ${new Date().toISOString().slice(11, 19)}] ${m}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Events the store actors have handled (every outcome), from the server's /metrics; counts every record once in this single-instance run. */
async function processedEvents(url: string): Promise<number> {
  const text = await fetch(`${url}/metrics`).then((r) => r.text());
  let n = 0;
  for (const line of text.split("\n")) if (line.startsWith("intraday_processed_events_total")) n += Number(line.slice(line.lastIndexOf(" ") + 1));
  return n;
}

/** CPU ms so far of the server (its API processes included), each service, this bench process and the whole machine. */
interface CpuSnapshot {
  at: number;
  posted: number;
  ms: Record<string, number>;
}

/** `services`: the services' pids, taken once: `services.sh status` starts a JVM to probe Kafka, which at every sample took a fifth to a quarter of a core from the run it measured. */
function cpuSnapshot(serverPid: number, services: Record<string, string>, posted: number): CpuSnapshot {
  const own = process.cpuUsage();
  return { at: Date.now(), posted, ms: { server: cpuMs(serverPid)?.process ?? NaN, ...servicesCpuMs(services), bench: (own.user + own.system) / 1000 } };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/** One POST: its status, or the error code when no answer came (after the keep-alive race's retries). */
function post(url: string, body: string): Promise<number | string> {
  return keepAliveRequest(agent, url, "POST", body).then((r) => r.status, (err: Error) => err.message);
}

/** Mutations applied per table of the run's keyspace since Cassandra started (its virtual table of local write latencies). */
async function cassandraMutations(keyspace: string): Promise<Record<string, number>> {
  const client = new cassandra.Client({ contactPoints: BASE.CASSANDRA_CONTACT_POINTS.split(","), localDataCenter: BASE.CASSANDRA_DC });
  try {
    const rs = await client.execute("SELECT table_name, count FROM system_views.local_write_latency WHERE keyspace_name = ?", [keyspace]);
    return Object.fromEntries(rs.rows.filter((r) => Number(r.get("count")) > 0).map((r) => [String(r.get("table_name")), Number(r.get("count"))]));
  } finally {
    await client.shutdown();
  }
}

async function main(): Promise<void> {
  log(`${MINUTES} min at ${RATE} events/s over ${STORES} stores (POST batches of ${BATCH}); load ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  await servicesUp(300_000, log);
  const servicesAtStart = servicePids();
  const iso = await isolate(PARTITIONS);
  const kafka = createKafka({ brokers: BASE.KAFKA_BROKERS.split(","), topic: iso.topic, partitions: PARTITIONS, clientId: "intraday-soak" });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, { brokers: BASE.KAFKA_BROKERS.split(","), topic: iso.topic, partitions: PARTITIONS });
  const serverLog = join(tmpdir(), `intraday-soak-server-${Date.now()}.log`);
  const server = await startServer({ ...iso.env, ROLE: "all" }, { logFile: serverLog });
  log(`server log: ${serverLog}`);
  const pid = server.proc.pid!;
  const samples: { t: number; rssMiB: number; lagEvents: number; backlogEvents: number; posted: number; failedPosts: number }[] = [];
  const probes: TickLatencyResult[] = [];
  let ticksTopicRecords = NaN;
  let changelogRecords = NaN;
  let cassandraWrites: Record<string, number> = {};
  /** Probes that got no snapshot (the feed answered an error, closed, or took too long): counted, not waited for. */
  const failedProbes: string[] = [];
  const bodies = new BodyFactory(STORES);
  const started = Date.now();
  const endAt = started + MINUTES * 60_000;
  let posted = 0;
  let failedPosts = 0;
  /** Answers other than 202 by status, and requests without an answer by error code, so a failure says what it was. */
  const failedByStatus = new Map<number | string, number>();
  let running = true;
  /** POSTs sent and not yet answered: awaited before the server stops, so a saturated run's queue is counted by its answers, not refused by a stopped server. */
  const inFlight = new Set<Promise<void>>();
  const cpuMarks: { from?: CpuSnapshot; to?: CpuSnapshot } = {};
  const warmUpEnd = started + MINUTES * 60_000 * 0.2;
  /** The server's /metrics at the end of warm-up and at the end of the load: where a tick's time went, after warm-up. */
  const metricsAt: { from?: string; to?: string } = {};
  const readMetrics = () => fetch(`${server.url}/metrics`).then((r) => r.text(), () => undefined);
  try {
    const load = (async () => {
      const perSecond = RATE / BATCH;
      for (let k = 0; running && Date.now() < endAt; k++) {
        const answered: Promise<void> = post(`${server.url}/v1/sales`, bodies.batch(BATCH)).then((s) => {
          inFlight.delete(answered);
          if (s === 202) posted += BATCH;
          else {
            failedPosts++;
            failedByStatus.set(s, (failedByStatus.get(s) ?? 0) + 1);
          }
        });
        inFlight.add(answered);
        const next = started + ((k + 1) * 1000) / perSecond;
        if (next > Date.now()) await sleep(next - Date.now());
      }
    })();
    const sampler = (async () => {
      while (running && Date.now() < endAt) {
        await sleep(SAMPLE_MS);
        const [ends, offs, processed] = await Promise.all([admin.fetchTopicOffsets(iso.topic), admin.fetchOffsets({ groupId: iso.group, topics: [iso.topic] }), processedEvents(server.url)]);
        const end = ends.reduce((a, e) => a + Number(e.high), 0);
        const committed = (offs[0]?.partitions ?? []).reduce((a, p) => a + Math.max(0, Number(p.offset)), 0);
        samples.push({ t: (Date.now() - started) / 1000, rssMiB: rssMiB(pid), lagEvents: end - committed, backlogEvents: Math.max(0, end - processed), posted, failedPosts });
        const s = samples[samples.length - 1]!;
        if (!cpuMarks.from && Date.now() >= warmUpEnd) {
          cpuMarks.from = cpuSnapshot(pid, servicesAtStart, posted);
          metricsAt.from = await readMetrics();
        }
        else if (cpuMarks.from) cpuMarks.to = cpuSnapshot(pid, servicesAtStart, posted);
        log(`t=${s.t.toFixed(0)} s RSS ${s.rssMiB.toFixed(0)} MiB, lag ${s.lagEvents} events (${(s.lagEvents / RATE).toFixed(1)} s), not yet processed ${s.backlogEvents} (${(s.backlogEvents / RATE).toFixed(1)} s), posted ${s.posted}, failed POSTs ${s.failedPosts}`);
      }
    })();
    const prober = (async () => {
      while (running && Date.now() + PROBE_SECONDS * 1000 < endAt) {
        try {
          const probe = await tickLatency(server.url, { rate: 10, seconds: PROBE_SECONDS, tag: `soak${Date.now().toString(36)}` });
          probes.push(probe);
          log(`probe: POST → tick p50 ${probe.tickMs.p50} ms, p99 ${probe.tickMs.p99} ms (${probe.tickMs.n} ticks)`);
        } catch (err) {
          failedProbes.push(`${new Date().toISOString().slice(11, 19)} ${(err as Error).message}`);
          log(`probe failed: ${(err as Error).message}`);
        }
        await sleep(20_000);
      }
    })();
    await Promise.all([load, sampler, prober]);
    if (inFlight.size) log(`waiting for the answers to ${inFlight.size} POSTs still in flight`);
    await Promise.all(inFlight);
    metricsAt.to = await readMetrics();
  } finally {
    running = false;
    await server.stop();
    const records = (topic: string) =>
      admin
        .fetchTopicOffsets(topic)
        .then((parts) => parts.reduce((n, p) => n + Number(p.high) - Number(p.low), 0))
        .catch(() => NaN);
    ticksTopicRecords = await records(topicNames(iso.topic).ticks);
    changelogRecords = await records(changelogTopic(iso.topic));
    cassandraWrites = await cassandraMutations(iso.id).catch(() => ({}));
    await admin.disconnect().catch(() => undefined);
    await iso.drop();
  }
  // Warm-up: the first 20 % of the run (JIT, actors, windows filling the 10-minute lateness horizon).
  const after = samples.filter((s) => s.t >= MINUTES * 60 * 0.2);
  const third = Math.max(1, Math.floor(after.length / 3));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const rssEarly = mean(after.slice(0, third).map((s) => s.rssMiB));
  const rssLate = mean(after.slice(-third).map((s) => s.rssMiB));
  const growth = (rssLate - rssEarly) / rssEarly;
  const maxLagSeconds = Math.max(0, ...samples.map((s) => s.lagEvents / RATE));
  const maxBacklogSeconds = Math.max(0, ...samples.map((s) => s.backlogEvents / RATE));
  const answered = probes.filter((p) => p.tickMs.n > 0);
  const starMessages = probes.reduce((n, p) => n + p.tickMessages, 0);
  const starListenedMs = probes.reduce((n, p) => n + p.listenedMs, 0);
  const probeP50s = percentiles(answered.map((p) => p.tickMs.p50));
  const probeP99s = percentiles(answered.map((p) => p.tickMs.p99));
  const p99s = probes.map((p) => p.tickMs.p99).filter((x) => Number.isFinite(x));
  const tickP99 = p99s.length ? Math.max(...p99s) : NaN;
  const pooled = percentiles(probes.flatMap((p) => p.tickSamplesMs));
  // The steady state, as for RSS and CPU: probes that started after warm-up (the first, at a cold start, waits seconds).
  const steadyProbes = probes.filter((p) => (p.tickSentAt[0] ?? 0) >= warmUpEnd);
  const steady = percentiles(steadyProbes.flatMap((p) => p.tickSamplesMs));
  const steadyWorstWindow = Math.max(...steadyProbes.map((p) => p.tickMs.p99).filter((x) => Number.isFinite(x)));
  const maxLagAfterWarmUp = Math.max(0, ...samples.filter((s) => s.t >= MINUTES * 60 * 0.2).map((s) => s.lagEvents / RATE));
  const parts = tickParts(metricsAt.from, metricsAt.to);
  const { from, to } = cpuMarks;
  const cpu = from && to && to.posted > from.posted ? cpuSplit(from, to) : null;
  if (cpu) log(`after warm-up, CPU µs per accepted event: ${Object.entries(cpu.usPerEvent).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(", ")}; cores busy: ${Object.entries(cpu.cores).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(", ")}`);
  const rows = [
    { id: "soak-rss", what: "RSS growth after warm-up (last third vs first third)", value: growth * 100, unit: "%", target: "flat (< 10 %)", met: growth < 0.1, detail: `${rssEarly.toFixed(0)} → ${rssLate.toFixed(0)} MiB` },
    { id: "soak-tick", what: "POST → tick p99 after warm-up (every probe tick of the probes started after warm-up)", value: steady.p99, unit: "ms", target: "< 250", met: steady.p99 < 250, detail: `p50 ${steady.p50} ms (${steady.n} ticks in ${steadyProbes.length} probe windows of ${PROBE_SECONDS} s); worst probe window after warm-up p99 ${steadyWorstWindow} ms, over the whole run ${tickP99} ms; median probe p50 ${probeP50s.p50} ms, median probe p99 ${probeP99s.p50} ms; the whole run pooled: p50 ${pooled.p50}, p99 ${pooled.p99} ms (${pooled.n} ticks); probe POSTs sent again after a keep-alive reset ${probes.reduce((n, p) => n + p.resentAfterReset, 0)}; probes without a snapshot ${failedProbes.length}${failedProbes.length ? ` (${failedProbes.slice(0, 3).join("; ")})` : ""}` },
    { id: "soak-lag", what: "window group lag (log end − committed), worst sample", value: maxLagSeconds, unit: "s of traffic", target: "≤ 5", met: maxLagSeconds <= 5, detail: `after warm-up at worst ${maxLagAfterWarmUp.toFixed(1)} s; sampled every ${SAMPLE_MS / 1000} s; commits follow flushes (CHECKPOINT_MS), so this includes up to one checkpoint interval; failed POSTs ${failedPosts}${failedPosts ? ` (by status or error: ${[...failedByStatus].map(([k, v]) => `${k} × ${v}`).join(", ")})` : ""}; sent again after a keep-alive reset ${resetRetries(agent)}` },
    {
      id: "soak-tick-traffic",
      what: "live ticks per accepted event: records on the ticks topic; tick messages to a \"*\" client",
      value: ticksTopicRecords / Math.max(1, samples.at(-1)?.posted ?? 0),
      unit: "records/event",
      target: "—",
      met: true,
      detail: `${ticksTopicRecords} ticks-topic records for ${samples.at(-1)?.posted ?? 0} events; a "*" probe client got ${(starMessages / Math.max(1, (RATE * starListenedMs) / 1000)).toFixed(2)} tick messages per event (${starMessages} in ${(starListenedMs / 1000).toFixed(0)} s of listening)`,
    },
    {
      id: "soak-write-traffic",
      what: "projection writes per accepted event: minute changelog records (→ PostgreSQL); Cassandra mutations per table",
      value: changelogRecords / Math.max(1, samples.at(-1)?.posted ?? 0),
      unit: "records/event",
      target: "—",
      met: true,
      detail: `${changelogRecords} changelog records for ${samples.at(-1)?.posted ?? 0} events; Cassandra mutations per event (a single-partition batch is one): ${Object.entries(cassandraWrites).map(([t, n]) => `${t} ${(n / Math.max(1, samples.at(-1)?.posted ?? 0)).toFixed(3)}`).join(", ")}`,
    },
    ...(parts ? [parts] : []),
    { id: "soak-backlog", what: "not yet processed (log end − events the store actors handled), worst sample", value: maxBacklogSeconds, unit: "s of traffic", target: "—", met: true, detail: "whether processing keeps up, without the checkpoint interval" },
    ...(cpu
      ? [{ id: "soak-machine", what: "machine cores busy after warm-up (of 2)", value: cpu.cores.machine ?? NaN, unit: "cores", target: "—", met: true, detail: `CPU µs per accepted event: ${Object.entries(cpu.usPerEvent).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(", ")}` }]
      : []),
  ];
  const out = { at: new Date().toISOString(), minutes: MINUTES, rate: RATE, stores: STORES, loadavgAtEnd: loadavg(), rows, cpuAfterWarmUp: cpu, samples, probes, failedProbes };
  const dir = join(import.meta.dirname, "..", "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `soak-${out.at.replace(/[:.]/g, "-")}.json`), JSON.stringify(out, null, 2));
  writeFileSync(join(dir, "soak-latest.json"), JSON.stringify(out, null, 2));
  for (const r of rows) console.log(`${r.what}: ${r.value.toFixed(1)} ${r.unit} (target ${r.target}) ${r.met ? "met" : "NOT MET"} — ${r.detail}`);
}

/** Seconds as the bench prints a bucket bound. */
const bound = (s: number) => (s === Infinity ? "more" : `≤ ${s * 1000} ms`);
const summaryText = (b: BucketSummary) => `p50 ${bound(b.p50)}, p90 ${bound(b.p90)}, p99 ${bound(b.p99)}`;

/**
 * Where a tick's time goes after warm-up, from the server's histograms (bucket bounds, not exact
 * values): how long a batch's first record was in the log before its batch began (fetch and queueing
 * behind earlier batches and sweeps), and how long the partition actors' messages took by phase.
 */
function tickParts(from: string | undefined, to: string | undefined) {
  if (!from || !to) return null;
  const delta = (metric: string, labels?: Record<string, string>) => bucketDelta(parseBuckets(from, metric, labels), parseBuckets(to, metric, labels));
  const wait = summarize(delta("intraday_batch_wait_seconds"), 0.25);
  const phases = ["stores", "totals", "sweep"].map((phase) => `${phase} ${summaryText(summarize(delta("intraday_batch_seconds", { phase }), 0.25))}`);
  return {
    id: "soak-tick-parts",
    what: "after warm-up, batches that began more than 250 ms after their first record's append",
    value: wait.shareOver * 100,
    unit: "% of batches",
    target: "—",
    met: true,
    detail: `append → batch begins: ${summaryText(wait)} (${wait.n} batches); partition actor messages by phase: ${phases.join("; ")}`,
  };
}

/** CPU between two snapshots, per accepted event (µs) and as cores busy. */
function cpuSplit(from: CpuSnapshot, to: CpuSnapshot): { usPerEvent: Record<string, number>; cores: Record<string, number> } {
  const events = to.posted - from.posted;
  const wallMs = to.at - from.at;
  const usPerEvent: Record<string, number> = {};
  const cores: Record<string, number> = {};
  for (const [k, v] of Object.entries(to.ms)) {
    const d = v - (from.ms[k] ?? NaN);
    usPerEvent[k] = (d * 1000) / events;
    cores[k] = d / wallMs;
  }
  return { usPerEvent, cores };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
