/**
 * npx tsx bench/cluster/run.ts [--quick] [--profile] [--events N] [--keep]
 * The real stack (Kafka, Cassandra, PostgreSQL started by scripts/services), the server as a child
 * process in cluster mode, and every measurement of issue 3 §6 in one run, against a fresh topic,
 * keyspace and database that are dropped at the end. Prints a table; writes
 * bench/results/cluster-<timestamp>.json and bench/results/cluster-latest.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import cassandra from "cassandra-driver";
import { createKafka, ensureTopics } from "../../src/event-log/kafka/kafka-client.ts";
import { BodyFactory } from "../fixtures.ts";
import { cpuMs, load, metricSum, serverEntry, type LoadResult } from "../http.ts";
import { summarise } from "../profile-summary.ts";
import { freshness } from "./freshness.ts";
import { queryLatency, tickLatency } from "./latency.ts";
import { ExpectedTotals } from "./expected-totals.ts";
import { prefill } from "./prefill.ts";
import { probeLatency } from "./probe-latency.ts";
import { createSparkTable, pipelineTotals, sparkSetup, sparkTotals, startSpark, type SparkPeer } from "./spark-peer.ts";
import { startServer, type Server } from "./server.ts";
import { BASE, isolate, servicePids, servicesCpuMs, servicesUp } from "./stack.ts";

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
    events: { type: "string" },
    keep: { type: "boolean", default: false },
    only: { type: "string" },
    "ingest-role": { type: "string", default: "api" },
    "e2e-role": { type: "string", default: "all" },
    "api-processes": { type: "string", default: "2" },
    "spark-max-offsets": { type: "string", default: "250000" },
    topology: { type: "string", default: "threads" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (flags.help) {
  console.log(`npx tsx bench/cluster/run.ts [--quick] [--profile] [--events N] [--keep]
  --quick     200k pre-filled events, shorter HTTP runs
  --profile   CPU-profile the server (inspector) during each case; top self time goes into the JSON
  --events N  pre-fill N events instead of 1,000,000 (200,000 with --quick)
  --keep      do not drop the run's topic, keyspace and database
  --ingest-role api|all  server role for the HTTP cases (b)(c): api (default; consumers in another process) or all
  --api-processes N  INTRADAY_API_PROCESSES of the ROLE=api server of the HTTP cases (default 2: one per core)
  --e2e-role all|windows  server role for the drain (a): all (default; window, raw-history and analytics groups on the
              same cores) or windows (the window group alone, like the Spark peer's job; only with --only e2e[,spark])
  --only      some cases: e2e,spark,query,http,tick,freshness (default all; without e2e nothing is pre-filled; spark needs e2e)
  --topology threads|single  the server's INTRADAY_TOPOLOGY (A/B of the worker thread)
  --spark-max-offsets N  the Spark peer's maxOffsetsPerTrigger (default 250,000; 0 = all in one micro-batch)
  BENCH_SERVER_ROOT=<dir>  run the server from another checkout (to compare a change)
  BENCH_SERVER_ENTRY=dist/main.js  run the compiled build (npm run build) instead of tsx src/main.ts`);
  process.exit(0);
}
const quick = flags.quick;
const only = flags.only ? new Set(flags.only.split(",")) : null;
const want = (k: string) => !only || only.has(k);
const INGEST_ROLE = flags["ingest-role"] === "all" ? "all" : "api";
const E2E_ROLE = flags["e2e-role"] === "windows" ? "windows" : "all";
const API_PROCESSES = Math.max(1, Number(flags["api-processes"]) || 1);
if (E2E_ROLE === "windows" && (!only || [...only].some((k) => k !== "e2e" && k !== "spark"))) {
  console.error("--e2e-role windows runs only the drain: use it with --only e2e or --only e2e,spark");
  process.exit(2);
}
const EVENTS = Number(flags.events ?? (quick ? 200_000 : 1_000_000));
const STORES = 1000;
const PARTITIONS = 6;
const SPAN_MS = 9 * 60_000;
const HTTP_SECONDS = quick ? 5 : 10;
const WARMUP_SECONDS = quick ? 1 : 3;
const QUERY_SECONDS = quick ? 5 : 10;
const TICK_RATE = 200;
const TICK_SECONDS = quick ? 10 : 20;
const RESULTS = join(import.meta.dirname, "..", "results");
const PROFILES = join(tmpdir(), "intraday-bench-cluster-profiles");
mkdirSync(RESULTS, { recursive: true });
mkdirSync(PROFILES, { recursive: true });

const log = (msg: string) => console.log(`[bench-cluster ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const fmt = (n: number) => (!Number.isFinite(n) ? String(n) : n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(1));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** POSTs of a latency case not answered 202 (they have no tick), by answer: " (12 not accepted: 503: …)". */
const refusedText = (refused: Record<string, number>) => {
  const parts = Object.entries(refused).map(([answer, n]) => `${n}× ${answer}`);
  return parts.length ? ` (not accepted: ${parts.join("; ")})` : "";
};

interface Row {
  id: string;
  what: string;
  value: number;
  unit: string;
  target?: string;
  met?: boolean;
  detail: string;
}
const rows: Row[] = [];
const details: Record<string, unknown> = {};

async function profiled<T>(server: Server, id: string, f: () => Promise<T>): Promise<T> {
  if (!server.profiler) return f();
  await server.profiler.start();
  try {
    return await f();
  } finally {
    const profile = await server.profiler.stop();
    const file = join(PROFILES, `cluster-${id}.cpuprofile`); // large: only the summary goes into the JSON
    writeFileSync(file, JSON.stringify(profile));
    const s = summarise(file, 20);
    profiles[id] = s;
    log(`${id}: profile ${fmt(s.totalMs)} ms busy; top: ${s.functions.slice(0, 5).map((x) => `${x.name} ${x.selfPct}%`).join(", ")}`);
  }
}
const profiles: Record<string, unknown> = {};

async function main(): Promise<void> {
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)), node: process.version, loadavgAtStart: loadavg() };
  log(`machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, node ${machine.node}, load ${machine.loadavgAtStart.map((x) => x.toFixed(2)).join(" ")}${quick ? " (quick run)" : ""}`);
  const started = Date.now();
  log("services.sh up (idempotent)");
  const servicesMs = await servicesUp(300_000, log);
  log(`services up in ${(servicesMs / 1000).toFixed(1)} s`);
  const pidsAtStart = servicePids();
  if (want("e2e") && want("spark")) {
    log("spark peer: setup.sh (venv + connector jars, cached after the first run)");
    details.sparkSetupMs = sparkSetup();
    log(`spark peer: ready in ${((details.sparkSetupMs as number) / 1000).toFixed(1)} s`);
  }

  const iso = await isolate(PARTITIONS);
  log(`isolated run: topic ${iso.topic}, group ${iso.group}, keyspace/database ${iso.id}`);
  const kafka = createKafka({ brokers: BASE.KAFKA_BROKERS.split(","), topic: iso.topic, partitions: PARTITIONS, clientId: "intraday-bench" });
  const admin = kafka.admin();
  let server: Server | null = null;
  try {
    await admin.connect();
    await ensureTopics(admin, { brokers: BASE.KAFKA_BROKERS.split(","), topic: iso.topic, partitions: PARTITIONS });

    // (a) pre-fill, then start the consumer behind it.
    let pre: Awaited<ReturnType<typeof prefill>> | null = null;
    const expected = new ExpectedTotals();
    if (want("e2e")) {
    log(`(a) pre-filling ${iso.topic} with ${fmt(EVENTS)} events (${STORES} stores, occurredAt over the last ${SPAN_MS / 60_000} min)`);
    pre = await prefill(kafka, { topic: iso.topic, partitions: PARTITIONS, events: EVENTS, stores: STORES, spanMs: SPAN_MS, expected, onProgress: (n) => process.stdout.write(`    … ${fmt(n)} produced\r`) });
    log(`(a) pre-filled in ${pre.seconds.toFixed(1)} s (${fmt(pre.eventsPerSecond)} events/s produced straight to Kafka, ${(pre.bytes / 2 ** 20).toFixed(0)} MiB)`);
    details.prefill = pre;
    }

    const lagOf = async (group: string) => {
      const [ends, offs] = await Promise.all([admin.fetchTopicOffsets(iso.topic), admin.fetchOffsets({ groupId: group, topics: [iso.topic] })]);
      const end = ends.reduce((a, e) => a + Number(e.high), 0);
      const committed = (offs[0]?.partitions ?? []).reduce((a, p) => a + Math.max(0, Number(p.offset)), 0);
      return { end, committed };
    };
    interface Sample { t: number; committed: number; rawCommitted: number; processed: number | null; lag: number }
    const curve: Sample[] = [];
    const spawnedAt = Date.now();
    const servicesCpuAtSpawn = servicesCpuMs(pidsAtStart);
    let url = "";
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        try {
          const [w, r] = await Promise.all([lagOf(iso.group), lagOf(`${iso.group}-raw-history`)]);
          const processed = url ? await metricSum(url, "intraday_processed_events_total").catch(() => null) : null;
          curve.push({ t: (Date.now() - spawnedAt) / 1000, committed: w.committed, rawCommitted: r.committed, processed, lag: w.end - w.committed });
        } catch {
          /* the next sample */
        }
        await sleep(500);
      }
    })();

    log(`(a) starting the server (INTRADAY_MODE=cluster, ROLE=${E2E_ROLE}) as a child process`);
    server = await startServer({ ...iso.env, ROLE: E2E_ROLE, TOPOLOGY: flags.topology }, { inspect: flags.profile });
    url = server.url;
    const srv = server;
    log(`(a) server ready at ${url} after ${((Date.now() - spawnedAt) / 1000).toFixed(1)} s; consuming the backlog`);
    if (want("e2e") && pre) {
    const timeoutMs = (quick ? 5 : 15) * 60_000;
    const e2e = await profiled(srv, "e2e", async () => {
      for (;;) {
        const last = curve[curve.length - 1];
        if (last && last.committed >= EVENTS) return true;
        if (Date.now() - spawnedAt > timeoutMs) return false;
        if (last) process.stdout.write(`    … t=${last.t.toFixed(0)} s committed ${fmt(last.committed)} processed ${fmt(last.processed ?? 0)} raw history ${fmt(last.rawCommitted)}\r`);
        await sleep(500);
      }
    });
    const firstProgress = curve.find((s) => (s.processed ?? 0) > 0 || s.committed > 0)?.t ?? NaN;
    const at = (pred: (s: Sample) => boolean) => curve.find(pred)?.t ?? NaN;
    const tProcessedAll = at((s) => (s.processed ?? 0) >= EVENTS);
    const tCommittedAll = at((s) => s.committed >= EVENTS);
    const t10 = at((s) => (s.processed ?? 0) >= EVENTS * 0.1);
    const t90 = at((s) => (s.processed ?? 0) >= EVENTS * 0.9);
    const steady = (EVENTS * 0.8) / (t90 - t10);
    const endToEnd = EVENTS / (tCommittedAll - firstProgress);
    log(`(a) ${e2e ? "done" : "TIMED OUT"}: first progress at ${firstProgress} s, all processed at ${tProcessedAll} s, all committed at ${tCommittedAll} s; steady ${fmt(steady)} ev/s`);

    // Wait for raw history (PostgreSQL) too, so it does not load the later cases.
    const rawDeadline = Date.now() + (quick ? 3 : 10) * 60_000;
    while (E2E_ROLE === "all" && (curve[curve.length - 1]?.rawCommitted ?? 0) < EVENTS && Date.now() < rawDeadline) await sleep(500);
    const tRawAll = at((s) => s.rawCommitted >= EVENTS);
    // CPU of the whole server process since it started (startup included): steadier than the rates on a shared machine.
    const drainCpu = cpuMs(srv.proc.pid);
    const cpuUsPerEvent = drainCpu ? (drainCpu.process * 1000) / EVENTS : null;
    // Where the machine's cores went during the drain (both groups), per event: the budget at 50k events/s is 2 cores ÷ 50k = 40 µs.
    const servicesCpuNow = servicesCpuMs(pidsAtStart);
    const cpuPerEvent: Record<string, number> = { server: cpuUsPerEvent ?? NaN };
    for (const [k, v] of Object.entries(servicesCpuNow)) cpuPerEvent[k] = ((v - (servicesCpuAtSpawn[k] ?? 0)) * 1000) / EVENTS;
    const cpuSplit = Object.entries(cpuPerEvent).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(", ");
    log(`(a) CPU µs per event during the drain: ${cpuSplit}`);
    const workersCpuUsPerEvent = drainCpu ? ((drainCpu.process - drainCpu.main) * 1000) / EVENTS : null;
    log(`(a) raw history (PostgreSQL) committed all at ${tRawAll} s; server CPU ${cpuUsPerEvent?.toFixed(1) ?? "?"} µs/event (worker threads ${workersCpuUsPerEvent?.toFixed(1) ?? "?"})`);

    // Rows really written: the sum of counts over every minute row equals the events.
    const cass = new cassandra.Client({ contactPoints: BASE.CASSANDRA_CONTACT_POINTS.split(","), localDataCenter: BASE.CASSANDRA_DC, keyspace: iso.id, encoding: { useBigIntAsLong: true } });
    let rowCount = 0;
    let eventCount = 0;
    let oursCheck: ReturnType<ExpectedTotals["compare"]> | null = null;
    try {
      const days = new Set([pre.firstOccurredAt.slice(0, 10), pre.lastOccurredAt.slice(0, 10)]);
      for (const day of days) {
        for (let p = 0; p < PARTITIONS; p++) {
          const rs = await cass.execute("SELECT count(*) AS n, sum(sale_count) AS s, sum(refund_count) AS r FROM minutes_by_day WHERE day = ? AND source_partition = ?", [day, p], { prepare: true });
          const row = rs.first();
          rowCount += Number(row.get("n"));
          eventCount += Number(row.get("s")) + Number(row.get("r"));
        }
      }
      oursCheck = expected.compare(await pipelineTotals(cass, iso.id, days, PARTITIONS));
    } finally {
      await cass.shutdown();
    }
    log(`(a) Cassandra: ${fmt(rowCount)} minute rows holding ${fmt(eventCount)} events (expected ${fmt(EVENTS)}); totals vs recomputation: ${oursCheck?.equal ? "equal" : `${oursCheck?.differences} differences, e.g. ${oursCheck?.examples.join("; ")}`}`);
    details.oursTotalsCheck = oursCheck;
    details.e2e = {
      events: EVENTS,
      completed: e2e,
      firstProgressSeconds: firstProgress,
      allProcessedSeconds: tProcessedAll,
      allCommittedSeconds: tCommittedAll,
      rawHistoryCommittedSeconds: tRawAll,
      eventsPerSecondEndToEnd: endToEnd,
      eventsPerSecondSteady10to90: steady,
      rawHistoryEventsPerSecond: EVENTS / (tRawAll - firstProgress),
      serverCpuUsPerEvent: cpuUsPerEvent,
      workerThreadsCpuUsPerEvent: workersCpuUsPerEvent,
      cpuUsPerEventByProcess: cpuPerEvent,
      cassandraRows: rowCount,
      cassandraEvents: eventCount,
      lagCurve: curve.filter((_, i) => i % 2 === 0),
    };
    rows.push({
      id: "kafka-to-cassandra",
      what: `Kafka → Cassandra rows, ${fmt(EVENTS)} pre-filled events (first event → all offsets committed; ROLE=${E2E_ROLE})`,
      value: endToEnd,
      unit: "events/s",
      target: "≥ 50,000",
      met: endToEnd >= 50_000,
      detail: `steady (10→90%) ${fmt(steady)} ev/s; all processed after ${(tProcessedAll - firstProgress).toFixed(1)} s, committed after ${(tCommittedAll - firstProgress).toFixed(1)} s; ${fmt(rowCount)} rows = ${fmt(eventCount)} events; raw history (PG) ${fmt(EVENTS / (tRawAll - firstProgress))} ev/s; server CPU ${cpuUsPerEvent?.toFixed(1) ?? "?"} µs/event (worker threads ${workersCpuUsPerEvent?.toFixed(1) ?? "?"}); CPU µs/event by process: ${cpuSplit}`,
    });

    }
    sampling = false;
    await sampler;
    if (want("e2e") && want("spark") && pre) await sparkPeer(srv, kafka, iso, expected);
    details.rowWritesTotal = await metricSum(url, "intraday_minute_row_writes_total");

    // (e) REST minute-range queries with the data present.
    if (want("query")) {
    const to = Date.now();
    const from = to - 60 * 60_000;
    const range = `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`;
    let q = 0;
    const storeUrl = () => `${url}/v1/stores/store-${String((q++ % STORES) + 1).padStart(4, "0")}/minutes?${range}`;
    log(`(e) GET /v1/stores/:id/minutes over 60 min, 1 client, ${QUERY_SECONDS} s`);
    const qs = await profiled(srv, "query-store", () => queryLatency(storeUrl, QUERY_SECONDS));
    log(`(e) GET /v1/minutes over 60 min, 1 client, ${QUERY_SECONDS} s`);
    const qa = await profiled(srv, "query-all", () => queryLatency(() => `${url}/v1/minutes?${range}`, QUERY_SECONDS));
    details.queryStore = qs;
    details.queryAll = qa;
    for (const [id, r, what] of [["query-store", qs, "GET /v1/stores/:id/minutes, 60 min"], ["query-all", qa, "GET /v1/minutes (all stores), 60 min"]] as const) {
      rows.push({
        id,
        what: `${what}, p99 (1 client, sequential)`,
        value: r.ms.p99,
        unit: "ms",
        target: "p99 < 10",
        met: r.ms.p99 < 10,
        detail: `p50 ${r.ms.p50} ms, p99 ${r.ms.p99} ms, max ${r.ms.max} ms; ${fmt(r.requestsPerSecond)} req/s; ${fmt(r.rowsPerResponse)} minutes per response; non-200 ${r.non200}`,
      });
      log(`(e) ${id}: p50 ${r.ms.p50} ms p99 ${r.ms.p99} ms`);
    }

    }

    // (d) drain what ingest appended, then POST → tick at a steady rate.
    if (want("tick")) {
    log("(d) waiting for the consumers to drain the ingested events");
    const drainStart = Date.now();
    for (;;) {
      const [w, r] = await Promise.all([lagOf(iso.group), lagOf(`${iso.group}-raw-history`)]);
      if ((w.end - w.committed <= 0 && r.end - r.committed <= 0) || Date.now() - drainStart > (quick ? 120_000 : 300_000)) {
        details.drain = { seconds: (Date.now() - drainStart) / 1000, windowLag: w.end - w.committed, rawLag: r.end - r.committed };
        log(`(d) drained in ${((Date.now() - drainStart) / 1000).toFixed(1)} s (lag ${w.end - w.committed} / raw ${r.end - r.committed})`);
        break;
      }
      process.stdout.write(`    … lag ${fmt(w.end - w.committed)}, raw history lag ${fmt(r.end - r.committed)}\r`);
      await sleep(1000);
    }
    await sleep(2000);
    log(`(d) ${TICK_RATE} POST/s for ${TICK_SECONDS} s, each to a store of its own; a websocket client subscribed to "*"`);
    const tick = await profiled(srv, "tick", () => tickLatency(url, { rate: TICK_RATE, seconds: TICK_SECONDS, tag: `lat${Date.now().toString(36)}` }));
    details.tick = tick;
    rows.push({
      id: "post-to-tick",
      what: `POST → websocket tick, ${TICK_RATE} POST/s for ${TICK_SECONDS} s, p50`,
      value: tick.tickMs.p50,
      unit: "ms",
      target: "p50 < 25, p99 < 250",
      met: tick.tickMs.p50 < 25 && tick.tickMs.p99 < 250,
      detail: `p99 ${tick.tickMs.p99} ms, max ${tick.tickMs.max} ms; ${tick.ticksMatched}/${tick.posts} matched${refusedText(tick.refused)}; POST ack p50 ${tick.postAckMs.p50} ms, p99 ${tick.postAckMs.p99} ms`,
    });
    log(`(d) tick p50 ${tick.tickMs.p50} ms, p99 ${tick.tickMs.p99} ms (${tick.ticksMatched}/${tick.posts})`);
    }

    // Freshness of the Superset tables: POST → row in PostgreSQL minute_totals (changelog → analytics group).
    if (want("freshness")) {
      const rate = 20;
      const seconds = quick ? 10 : 30;
      log(`(f) freshness: ${rate} POST/s for ${seconds} s, each to a store of its own; polling minute_totals every 25 ms`);
      const f = await freshness(url, iso.env.PG_URL!, { rate, seconds });
      details.freshness = f;
      rows.push({
        id: "superset-freshness",
        what: `POST → row in PostgreSQL minute_totals (what Superset reads), ${rate} POST/s for ${seconds} s, p50`,
        value: f.ms.p50,
        unit: "ms",
        detail: `p99 ${f.ms.p99} ms, max ${f.ms.max} ms; ${f.seen}/${f.posts} seen; includes ≤ ${f.pollMs} ms polling; bounded below by CHECKPOINT_MS (provisional rows)`,
      });
      log(`(f) freshness p50 ${f.ms.p50} ms, p99 ${f.ms.p99} ms (${f.seen}/${f.posts})`);
    }

    // (c) the trivial route, then (b) single and batched POSTs, same server, same autocannon settings.
    const http = async (id: string, path: string, connections: number, pipelining: number, body?: () => string): Promise<LoadResult> => {
      log(`${id}: warm-up ${WARMUP_SECONDS} s`);
      await load({ url: `${url}${path}`, method: body ? "POST" : "GET", connections, pipelining, seconds: WARMUP_SECONDS, ...(body ? { body } : {}) });
      log(`${id}: ${HTTP_SECONDS} s, ${connections} connections × pipelining ${pipelining}`);
      return profiled(server!, id, () => load({ url: `${url}${path}`, method: body ? "POST" : "GET", connections, pipelining, seconds: HTTP_SECONDS, ...(body ? { body } : {}) }));
    };
    if (want("http")) {
    if (INGEST_ROLE === "api") {
      log("(b)(c) stopping the processing server; starting an API-only server (ROLE=api) on the same topic, so ingest does not share its event loop with the consumers");
      await server.stop();
      server = await startServer({ ...iso.env, ROLE: "api", API_PROCESSES: String(API_PROCESSES) }, { inspect: flags.profile });
      url = server.url;
    }
    const trivial = await http("trivial", "/healthz", 50, 10);
    details.trivial = trivial;
    rows.push({ id: "trivial", what: `GET /healthz on the same server (50 × pipelining 10, ROLE=${INGEST_ROLE}${INGEST_ROLE === "api" && API_PROCESSES > 1 ? `, ${API_PROCESSES} API processes` : ""})`, value: trivial.requestsPerSecond, unit: "req/s", detail: `p50 ${trivial.latencyMs.p50} ms, p99 ${trivial.latencyMs.p99} ms, non-2xx ${trivial.non2xx}` });
    log(`trivial: ${fmt(trivial.requestsPerSecond)} req/s`);

    const bodies = new BodyFactory(STORES);
    for (const [id, batch, connections, pipelining] of [["ingest-single", 1, 50, 10], ["ingest-batch", 500, 8, 1]] as const) {
      const accBefore = await metricSum(url, "intraday_ingest_events_total");
      const body = batch === 1 ? () => bodies.event() : () => bodies.batch(batch);
      log(`${id}: warm-up ${WARMUP_SECONDS} s`);
      await load({ url: `${url}/v1/sales`, connections, pipelining, seconds: WARMUP_SECONDS, body });
      // Server CPU per event: steadier than the wall-clock rate when other work shares the machine.
      const cpuBefore = cpuMs(server!.proc.pid);
      const accMeasured = await metricSum(url, "intraday_ingest_events_total");
      log(`${id}: ${HTTP_SECONDS} s, ${connections} connections × pipelining ${pipelining}; load ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
      const r = await profiled(server!, id, () => load({ url: `${url}/v1/sales`, connections, pipelining, seconds: HTTP_SECONDS, body }));
      const cpuAfter = cpuMs(server!.proc.pid);
      const acceptedAll = await metricSum(url, "intraday_ingest_events_total");
      const accepted = acceptedAll - accBefore;
      const measured = acceptedAll - accMeasured;
      const serverCpuUsPerEvent = cpuBefore && cpuAfter && measured > 0 ? ((cpuAfter.process - cpuBefore.process) * 1000) / measured : null;
      const eventsPerSecond = ((r.requests - r.non2xx) * batch) / r.seconds;
      details[id] = { ...r, eventsPerPost: batch, eventsPerSecond, acceptedEventsIncludingWarmup: accepted, serverCpuUsPerEvent, loadavgAfter: loadavg() };
      const ratio = eventsPerSecond / batch / trivial.requestsPerSecond;
      rows.push(
        batch === 1
          ? { id, what: `single-event POSTs into Kafka (50 × pipelining 10, ROLE=${INGEST_ROLE}${INGEST_ROLE === "api" && API_PROCESSES > 1 ? `, ${API_PROCESSES} API processes` : ""})`, value: eventsPerSecond, unit: "events/s", target: "≥ 0.4 × trivial", met: ratio >= 0.4, detail: `${ratio.toFixed(2)} × trivial; server CPU ${serverCpuUsPerEvent?.toFixed(1) ?? "?"} µs/event; p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}` }
          : { id, what: `batched POSTs into Kafka (500 events, 8 connections, ROLE=${INGEST_ROLE}${INGEST_ROLE === "api" && API_PROCESSES > 1 ? `, ${API_PROCESSES} API processes` : ""})`, value: eventsPerSecond, unit: "events/s", target: "≥ 100,000", met: eventsPerSecond >= 100_000, detail: `${fmt(r.requestsPerSecond)} req/s; server CPU ${serverCpuUsPerEvent?.toFixed(1) ?? "?"} µs/event; p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}` },
      );
      log(`${id}: ${fmt(eventsPerSecond)} events/s (${fmt(r.requestsPerSecond)} req/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, non-2xx ${r.non2xx})`);
    }

    }

  } finally {
    if (server) {
      const code = await server.stop();
      if (code !== 0) log(`server exited with ${code}:\n${server.output().slice(-3000)}`);
      else if (/error/i.test(server.output())) details.serverOutput = server.output().slice(-5000);
    }
    await admin.disconnect().catch(() => undefined);
    if (flags.keep) log(`--keep: leaving topic ${iso.topic}, keyspace and database ${iso.id}`);
    else {
      const problems = await iso.drop();
      log(problems.length ? `dropped with problems: ${problems.join("; ")}` : `dropped topic ${iso.topic}*, keyspace ${iso.id}, database ${iso.id}`);
    }
  }

  const pidsAtEnd = servicePids();
  const restarted = Object.keys(pidsAtStart).filter((k) => pidsAtStart[k] !== pidsAtEnd[k]);
  if (restarted.length) log(`WARNING: ${restarted.join(", ")} restarted during the run (shared services): numbers after that are not valid`);
  const out = { at: new Date().toISOString(), quick, topology: flags.topology, only: flags.only ?? "all", ingestRole: INGEST_ROLE, apiProcesses: API_PROCESSES, e2eRole: E2E_ROLE, serverRoot: process.env.BENCH_SERVER_ROOT ?? ".", serverEntry: serverEntry().join(" "), servicesRestartedDuringRun: restarted, loadavgAtEnd: loadavg(), machine, seconds: (Date.now() - started) / 1000, servicesUpMs: servicesMs, rows, details, profiles };
  const stamp = out.at.replace(/[:.]/g, "-");
  writeFileSync(join(RESULTS, `cluster-${stamp}.json`), JSON.stringify(out, null, 2));
  writeFileSync(join(RESULTS, "cluster-latest.json"), JSON.stringify(out, null, 2));
  console.log("\n" + table(rows));
  console.log(`\nwrote bench/results/cluster-${stamp}.json and cluster-latest.json (${out.seconds.toFixed(0)} s)`);
}

/**
 * The Spark peer on the same pre-filled topic, after ours drained it (our server stays up, idle):
 * drain rate, totals against the recomputation, then probe latency with both running.
 */
async function sparkPeer(srv: Server, kafka: ReturnType<typeof createKafka>, iso: Awaited<ReturnType<typeof isolate>>, expected: ExpectedTotals): Promise<void> {
  const cass = new cassandra.Client({ contactPoints: BASE.CASSANDRA_CONTACT_POINTS.split(","), localDataCenter: BASE.CASSANDRA_DC, encoding: { useBigIntAsLong: true } });
  let spark: SparkPeer | null = null;
  try {
    await createSparkTable(cass, iso.id);
    log(`spark peer: starting PySpark 3.5.7 local[2] on ${iso.topic} (maxOffsetsPerTrigger ${flags["spark-max-offsets"]})`);
    const sp = (spark = startSpark({ brokers: BASE.KAFKA_BROKERS, topic: iso.topic, cassandra: BASE.CASSANDRA_CONTACT_POINTS.split(",")[0]!, dc: BASE.CASSANDRA_DC, keyspace: iso.id, maxOffsetsPerTrigger: Number(flags["spark-max-offsets"]) }));
    const deadline = Date.now() + (quick ? 10 : 30) * 60_000;
    while (sp.inputRows() < EVENTS) {
      if (sp.proc.exitCode !== null) throw new Error(`spark peer exited (${sp.proc.exitCode}):\n${sp.output().slice(-4000)}`);
      if (Date.now() > deadline) throw new Error(`spark peer did not drain ${EVENTS} events in time (${sp.inputRows()}):\n${sp.output().slice(-4000)}`);
      process.stdout.write(`    … spark: ${sp.batches.length} micro-batches, ${fmt(sp.inputRows())} rows\r`);
      await sleep(250);
    }
    const first = sp.batches[0]!;
    const last = sp.batches[sp.batches.length - 1]!;
    const drainSeconds = (last.startMs + last.triggerMs - first.startMs) / 1000;
    const sparkRate = sp.inputRows() / drainSeconds;
    const steadyBatches = sp.batches.slice(1).filter((b) => b.numInputRows > 0);
    const steadyRate = steadyBatches.length ? steadyBatches.reduce((a, b) => a + b.numInputRows, 0) / (steadyBatches.reduce((a, b) => a + b.triggerMs, 0) / 1000) : NaN;
    const sessionSeconds = ((sp.queryStartedAt ?? first.startMs) - sp.startedAt) / 1000;
    const ours = (details.e2e as { eventsPerSecondEndToEnd: number }).eventsPerSecondEndToEnd;
    const ratio = ours / sparkRate;
    log(`spark peer: drained ${fmt(sp.inputRows())} events in ${drainSeconds.toFixed(1)} s = ${fmt(sparkRate)} events/s (${sp.batches.length} micro-batches; after the first ${fmt(steadyRate)} ev/s; session start ${sessionSeconds.toFixed(1)} s); ours ${fmt(ours)} → ${ratio.toFixed(2)}×`);
    await sleep(2000); // the last foreachBatch write is done when its progress is reported; margin for the read
    const sparkCheck = expected.compare(await sparkTotals(cass, iso.id));
    const oursCheck = details.oursTotalsCheck as ReturnType<ExpectedTotals["compare"]>;
    log(`spark peer: totals vs recomputation: ${sparkCheck.equal ? "equal" : `${sparkCheck.differences} differences, e.g. ${sparkCheck.examples.join("; ")}`}`);
    log("probe latency: 20 events/s for 20 s straight into the topic, both peers running");
    const probe = await probeLatency(kafka, { topic: iso.topic, partitions: PARTITIONS, url: srv.url, cass, keyspace: iso.id, perSecond: 20, seconds: quick ? 10 : 20, settleMs: 30_000 });
    log(`probe latency: ours p50 ${probe.ours.p50} ms p99 ${probe.ours.p99} ms (unseen ${probe.ours.unseen}); spark p50 ${probe.spark.p50} ms p99 ${probe.spark.p99} ms (unseen ${probe.spark.unseen})`);
    details.spark = { drainSeconds, eventsPerSecond: sparkRate, eventsPerSecondAfterFirstBatch: steadyRate, sessionStartSeconds: sessionSeconds, batches: sp.batches, totalsCheck: sparkCheck, probe };
    rows.push(
      { id: "spark-peer", what: `Spark Structured Streaming peer (PySpark 3.5.7 local[2]), same ${fmt(EVENTS)} events (first micro-batch start → last one written)`, value: sparkRate, unit: "events/s", detail: `${sp.batches.length} micro-batches; after the first ${fmt(steadyRate)} ev/s; session start ${sessionSeconds.toFixed(1)} s not counted` },
      { id: "vs-spark", what: "ours ÷ Spark, end-to-end events/s on the same topic", value: ratio, unit: "×", target: "≥ 5", met: ratio >= 5, detail: `ours ${fmt(ours)} ev/s, Spark ${fmt(sparkRate)} ev/s` },
      { id: "totals-check", what: "both peers' totals equal the recomputation (per store, minute, currency)", value: (oursCheck?.equal ? 1 : 0) + (sparkCheck.equal ? 1 : 0), unit: "of 2", target: "2 of 2", met: !!oursCheck?.equal && sparkCheck.equal, detail: `${fmt(sparkCheck.expectedRows)} windows; ours ${oursCheck?.differences ?? "?"} differences, Spark ${sparkCheck.differences}` },
      { id: "probe-latency-ours", what: "ours: produced → total served (REST), 20 probes/s, p50", value: probe.ours.p50, unit: "ms", detail: `p99 ${probe.ours.p99} ms, max ${probe.ours.max} ms, unseen ${probe.ours.unseen}/${probe.probes}` },
      { id: "probe-latency-spark", what: "Spark: produced → total in Cassandra, 20 probes/s, p50", value: probe.spark.p50, unit: "ms", detail: `p99 ${probe.spark.p99} ms, max ${probe.spark.max} ms, unseen ${probe.spark.unseen}/${probe.probes}` },
    );
  } catch (err) {
    log(`spark peer FAILED: ${(err as Error).message}`);
    details.spark = { error: (err as Error).message };
    rows.push({ id: "spark-peer", what: "Spark Structured Streaming peer", value: NaN, unit: "events/s", target: "runs", met: false, detail: (err as Error).message.slice(0, 200) });
  } finally {
    const code = await spark?.stop();
    if (spark && code !== 0) log(`spark peer exited with ${code}: ${spark.output().slice(-1500)}`);
    await cass.shutdown();
  }
}

function table(rs: Row[]): string {
  const head = ["case", "value", "target", "met", "detail"];
  const body = rs.map((r) => [r.what, `${fmt(r.value)} ${r.unit}`, r.target ?? "", r.met === undefined ? "" : r.met ? "yes" : "NO", r.detail]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 1 ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join(" | ");
  return [line(head), w.map((n) => "-".repeat(n)).join("-|-"), ...body.map(line)].join("\n");
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
