/**
 * npm run bench [-- --quick] [-- --only a,b,...] [-- --profile] [-- --alloc-profile]
 * Measures the embedded default in one run and prints a table; writes bench/results/<timestamp>.json
 * and bench/results/latest.json. Numbers, not pass/fail.
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BodyFactory } from "./fixtures.ts";
import { cpuMs, load, metricSum, serverEntry, startIntraday, startTrivial, type LoadResult } from "./http.ts";
import { tickLatency } from "./cluster/latency.ts";
import { summarise, summariseAllocations } from "./profile-summary.ts";

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    profile: { type: "boolean", default: false },
    "alloc-profile": { type: "boolean", default: false },
    baseline: { type: "string" },
    "baseline-last": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (flags.help) {
  console.log(`npm run bench [-- --quick] [-- --only ingest-single,ingest-batch,latency,process,process-trickle,decode,apply,heap,fastify] [-- --profile]
  --quick    shorter runs (3 s HTTP, 100k events in process)
  --only     run some cases only
  --profile  also CPU-profile the server (ingest cases) and the processor, summarised in the JSON
  --alloc-profile  record where the processor allocates (process case; instead of its CPU profile)
  --baseline DIR  A/B of the ingest cases in one run: each runs against the server of checkout DIR (rows "…-base"), then this one
  --baseline-last  run this checkout's server first and the baseline second (the second run of a pair meets the first one's disk writeback)`);
  process.exit(0);
}
const quick = flags.quick;
/** Extra V8/Node flags for the in-process cases (A/B of e.g. --max-semi-space-size), from BENCH_NODE_FLAGS. */
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? "").split(" ").filter(Boolean);
const only = flags.only ? new Set(flags.only.split(",")) : null;
const want = (k: string) => !only || only.has(k);
const HTTP_SECONDS = quick ? 3 : 10;
const WARMUP_SECONDS = quick ? 1 : 3;
const IN_PROC_EVENTS = quick ? 100_000 : 500_000;
const STORES = 1000;
const TRICKLE_BATCH = 10;
const RESULTS = join(import.meta.dirname, "results");
const PROFILES = join(tmpdir(), "intraday-bench-profiles"); // .cpuprofile files are large; only their summaries go into the JSON
mkdirSync(RESULTS, { recursive: true });
mkdirSync(PROFILES, { recursive: true });

const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

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

/** Runs a bench/inproc.ts case in a fresh node (own heap, own JIT, --expose-gc). */
function inproc<T>(name: string, opts: Record<string, unknown>): Promise<T> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--expose-gc", ...NODE_FLAGS, "--import", "tsx", "bench/inproc.ts", name, JSON.stringify(opts)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (c: Buffer) => (out += c.toString()));
    p.on("exit", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("RESULT "));
      if (code === 0 && line) resolve(JSON.parse(line.slice(7)) as T);
      else reject(new Error(`inproc ${name} failed (exit ${code}): ${out.slice(-2000)}`));
    });
  });
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(1));

const loadNow = () => loadavg().map((x) => x.toFixed(2)).join(" ");

async function ingestCase(id: string, batch: number, connections: number, pipelining: number, port: number, root?: string): Promise<void> {
  log(`${id}: starting the server (npm start, embedded default, temp data dir${root ? `, from ${root}` : ""}) on :${port}; load ${loadNow()}`);
  const profDir = flags.profile ? join(PROFILES, `${id}-${Date.now()}`) : null;
  const server = await startIntraday(port, profDir ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`] : [], {}, root);
  try {
    const bodies = new BodyFactory(STORES);
    const body = batch === 1 ? () => bodies.event() : () => bodies.batch(batch);
    const url = `${server.url}/v1/sales`;
    log(`${id}: warm-up ${WARMUP_SECONDS} s`);
    await load({ url, connections, pipelining, seconds: WARMUP_SECONDS, body });
    const acceptedBefore = await metricSum(server.url, "intraday_ingest_events_total");
    const processedBefore = await metricSum(server.url, "intraday_processed_events_total");
    const cpuBefore = cpuMs(server.proc.pid);
    log(`${id}: ${HTTP_SECONDS} s, ${connections} connections × pipelining ${pipelining}, ${batch} event(s) per POST`);
    const r: LoadResult = await load({
      url,
      connections,
      pipelining,
      seconds: HTTP_SECONDS,
      body,
      onTick: (n) => process.stdout.write(`    … ${n} requests\r`),
    });
    const cpuAfter = cpuMs(server.proc.pid);
    const accepted = (await metricSum(server.url, "intraday_ingest_events_total")) - acceptedBefore;
    const processed = (await metricSum(server.url, "intraday_processed_events_total")) - processedBefore;
    const eventsPerSecond = (r.requestsPerSecond - r.non2xx / r.seconds) * batch;
    // The main thread does ingest and the API; the worker thread (default topology) the consumers.
    const ingestCpuUsPerEvent = cpuBefore && cpuAfter && accepted > 0 ? ((cpuAfter.main - cpuBefore.main) * 1000) / accepted : null;
    const serverCpuUsPerEvent = cpuBefore && cpuAfter && accepted > 0 ? ((cpuAfter.process - cpuBefore.process) * 1000) / accepted : null;
    details[id] = { ...r, eventsPerPost: batch, eventsPerSecond, acceptedEvents: accepted, processedDuringLoad: processed, processedPerSecond: processed / r.seconds, ingestCpuUsPerEvent, serverCpuUsPerEvent, loadavgAfter: loadavg(), serverRoot: root ?? "." };
    const target = batch === 1 ? 10_000 : 100_000;
    rows.push({
      id,
      what: `${batch === 1 ? "ingest, single-event POSTs (HTTP, child server)" : `ingest, batched POSTs (${batch} events each)`}${root ? " [baseline]" : ""}`,
      value: eventsPerSecond,
      unit: "events/s",
      target: `≥ ${fmt(target)}`,
      met: eventsPerSecond >= target,
      detail: `${fmt(r.requestsPerSecond)} req/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}; processed meanwhile ${fmt(processed / r.seconds)} ev/s; main-thread CPU ${ingestCpuUsPerEvent?.toFixed(1) ?? "?"} µs/event (whole server ${serverCpuUsPerEvent?.toFixed(1) ?? "?"}); load ${loadNow()}`,
    });
    log(`${id}: ${fmt(eventsPerSecond)} events/s (${fmt(r.requestsPerSecond)} req/s, p99 ${r.latencyMs.p99} ms); main-thread CPU ${ingestCpuUsPerEvent?.toFixed(1) ?? "?"} µs/event`);
  } finally {
    await server.stop();
  }
  if (profDir) {
    const { readdirSync } = await import("node:fs");
    const f = readdirSync(profDir).find((x) => x.endsWith(".0.001.cpuprofile")); // the main thread (not tsx's loader thread)
    if (f) (details[id] as Record<string, unknown>).profile = summarise(join(profDir, f), 15);
  }
}

/** Single-event POSTs at a steady 300/s (each to a store of its own) with a websocket client on "*": POST ack and POST → tick latency. */
async function latencyCase(port: number): Promise<void> {
  const seconds = quick ? 5 : 15;
  log(`latency: 300 single-event POSTs/s for ${seconds} s, websocket subscribed to "*" (npm start, embedded default) on :${port}`);
  const server = await startIntraday(port);
  try {
    const r = await tickLatency(server.url, { rate: 300, seconds, tag: `lat${Date.now().toString(36)}` });
    details.latency = r;
    rows.push(
      { id: "post-latency", what: "single-event POST latency at 300 events/s, embedded, p99", value: r.postAckMs.p99, unit: "ms", target: "p50 < 5, p99 < 25", met: r.postAckMs.p50 < 5 && r.postAckMs.p99 < 25, detail: `p50 ${r.postAckMs.p50} ms, p99 ${r.postAckMs.p99} ms, max ${r.postAckMs.max} ms; ${r.accepted}/${r.posts} accepted` },
      { id: "post-to-tick", what: "POST → websocket tick at 300 events/s, embedded, p99", value: r.tickMs.p99, unit: "ms", target: "p50 < 25, p99 < 250", met: r.tickMs.p50 < 25 && r.tickMs.p99 < 250, detail: `p50 ${r.tickMs.p50} ms, p99 ${r.tickMs.p99} ms; ${r.ticksMatched}/${r.posts} ticks matched` },
    );
    log(`latency: POST p50 ${r.postAckMs.p50} ms p99 ${r.postAckMs.p99} ms; tick p50 ${r.tickMs.p50} ms p99 ${r.tickMs.p99} ms`);
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
  log(`machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, node ${machine.node}, load ${loadNow()}${quick ? " (quick run)" : ""}`);
  const started = Date.now();

  // With --baseline each ingest case runs twice back to back, the baseline first: read the pair as a ratio.
  const pair = async (id: string, batch: number, connections: number, pipelining: number, port: number) => {
    const base = flags.baseline;
    if (base && !flags["baseline-last"]) await ingestCase(`${id}-base`, batch, connections, pipelining, port, base);
    await ingestCase(id, batch, connections, pipelining, port);
    if (base && flags["baseline-last"]) await ingestCase(`${id}-base`, batch, connections, pipelining, port, base);
  };
  if (want("ingest-single")) await pair("ingest-single", 1, 50, 10, 3151);
  if (want("ingest-batch")) await pair("ingest-batch", 500, 8, 1, 3152);
  if (want("latency")) await latencyCase(3153);

  if (want("process")) {
    log(`process: Processor.batch over ${IN_PROC_EVENTS} pre-encoded log records, ${STORES} stores, 6 partitions (fresh node)`);
    const profile = flags["alloc-profile"]
      ? join(PROFILES, `process-${Date.now()}.heapprofile`)
      : flags.profile
        ? join(PROFILES, `process-${Date.now()}.cpuprofile`)
        : undefined;
    const r = await inproc<{ eventsPerSecond: number; secondHalfEventsPerSecond: number; cpuMicrosPerEvent: number; batchMs: { p50: number; p99: number }; rowWrites: number; windowsInMemory: number }>(
      "process",
      { events: IN_PROC_EVENTS, stores: STORES, eventsPerSecond: 2000, profile },
    );
    details.process = !profile ? r : profile.endsWith(".heapprofile") ? { ...r, allocations: summariseAllocations(profile, 20) } : { ...r, profile: summarise(profile, 20) };
    rows.push({
      id: "process",
      what: "window processing in process (Processor.batch: decode + actors + windows + SQLite)",
      value: r.eventsPerSecond,
      unit: "events/s",
      target: "≥ 300,000",
      met: r.eventsPerSecond >= 300_000,
      detail: `turns (≤ 5000/partition, partitions concurrently): p50 ${r.batchMs.p50.toFixed(1)} ms, p99 ${r.batchMs.p99.toFixed(1)} ms; ${r.rowWrites} row writes; 2nd half ${fmt(r.secondHalfEventsPerSecond)} ev/s; CPU ${r.cpuMicrosPerEvent.toFixed(2)} µs/event`,
    });
    log(`process: ${fmt(r.eventsPerSecond)} events/s`);
  }
  if (want("process-trickle")) {
    // The regime of live traffic (a few events per store per poll): what a store message costs, not an event.
    const events = quick ? 30_000 : 60_000;
    log(`process-trickle: the same over ${events} records in turns of ${TRICKLE_BATCH} per partition (≈ 1 event per store message)`);
    const profile = flags["alloc-profile"]
      ? join(PROFILES, `process-trickle-${Date.now()}.heapprofile`)
      : flags.profile
        ? join(PROFILES, `process-trickle-${Date.now()}.cpuprofile`)
        : undefined;
    const r = await inproc<{ eventsPerSecond: number; cpuMicrosPerEvent: number; rowWrites: number }>("process", { events, stores: STORES, eventsPerSecond: 2000, maxBatch: TRICKLE_BATCH, profile });
    details["process-trickle"] = !profile ? r : profile.endsWith(".heapprofile") ? { ...r, allocations: summariseAllocations(profile, 20) } : { ...r, profile: summarise(profile, 20) };
    rows.push({
      id: "process-trickle",
      what: `window processing at a trickle (${TRICKLE_BATCH} records per partition per turn)`,
      value: r.cpuMicrosPerEvent,
      unit: "µs CPU/event",
      detail: `${fmt(r.eventsPerSecond)} events/s; ${r.rowWrites} row writes for ${fmt(events)} events`,
    });
  }
  if (want("decode")) {
    log("decode: decodeLogRecord alone (JSON.parse + validation), for the breakdown");
    const r = await inproc<{ eventsPerSecond: number; usPerEvent: number }>("decode", { events: Math.min(IN_PROC_EVENTS, 200_000), stores: STORES });
    details.decode = r;
    rows.push({ id: "decode", what: "  of which: decodeLogRecord alone", value: r.eventsPerSecond, unit: "events/s", detail: `${r.usPerEvent.toFixed(2)} µs per event` });
  }
  if (want("apply")) {
    log("apply: pure window logic (missingWindows + applyEvents), no I/O, no actors");
    const r = await inproc<{ eventsPerSecond: number }>("apply", { events: IN_PROC_EVENTS, stores: STORES, eventsPerSecond: 2000 });
    details.apply = r;
    rows.push({ id: "apply", what: "pure window logic (applyEvents)", value: r.eventsPerSecond, unit: "events/s", detail: `${(1e6 / r.eventsPerSecond).toFixed(2)} µs per event` });
  }
  if (want("heap")) {
    const windows = quick ? 20_000 : 100_000;
    for (const checkpointed of [true, false]) {
      for (const perWindow of [1, 10, 100]) {
        const n = perWindow >= 100 ? windows / 10 : windows;
        const id = `heap-${perWindow}${checkpointed ? "" : "-unwritten"}`;
        log(`heap: ${n} windows × ${perWindow} event(s) in StoreWindows, ${checkpointed ? "after their checkpoint write" : "none written yet"} (global.gc before/after)`);
        const r = await inproc<{ bytesPerWindow: number; windows: number; heapBytes: number }>("heap-windows", { windows: n, perWindow, windowsPerStore: 10, checkpointed });
        details[id] = r;
        rows.push({
          id,
          what: `heap per open window, ${perWindow} event${perWindow > 1 ? "s" : ""} each (store state${checkpointed ? "" : ", ids not yet written"})`,
          value: r.bytesPerWindow,
          unit: "bytes",
          target: "< 1,024",
          met: r.bytesPerWindow < 1024,
          detail: `${r.windows} windows, ${fmt(r.heapBytes / 2 ** 20)} MiB`,
        });
      }
    }
    log("heap: through the whole processor (actors, entries, live view), default settings");
    const hp = await inproc<{ bytesPerWindow: number; windows: number; eventsPerWindow: number; heapBytes: number; stores: number }>("heap-processor", {
      events: quick ? 100_000 : 300_000,
      stores: quick ? 2000 : 5000,
      eventsPerSecond: 500,
    });
    details["heap-processor"] = hp;
    rows.push({
      id: "heap-processor",
      what: "heap per window in memory, whole processor",
      value: hp.bytesPerWindow,
      unit: "bytes",
      target: "< 1,024",
      met: hp.bytesPerWindow < 1024,
      detail: `${hp.windows} windows of ${hp.stores} store actors, ${hp.eventsPerWindow.toFixed(1)} events/window, ${fmt(hp.heapBytes / 2 ** 20)} MiB`,
    });
  }
  if (want("fastify")) {
    log("fastify: trivial Fastify 5 app in a child process (GET / and POST /echo), 50 connections × pipelining 10");
    const server = await startTrivial(3153);
    try {
      await load({ url: `${server.url}/`, connections: 50, pipelining: 10, seconds: WARMUP_SECONDS });
      const g = await load({ url: `${server.url}/`, connections: 50, pipelining: 10, seconds: HTTP_SECONDS });
      const bodies = new BodyFactory(STORES);
      const e = await load({ url: `${server.url}/echo`, connections: 50, pipelining: 10, seconds: HTTP_SECONDS, body: () => bodies.event() });
      details["fastify-get"] = g;
      details["fastify-echo"] = e;
      rows.push({ id: "fastify-get", what: "trivial Fastify GET / (comparison)", value: g.requestsPerSecond, unit: "req/s", detail: `p50 ${g.latencyMs.p50} ms, p99 ${g.latencyMs.p99} ms` });
      rows.push({ id: "fastify-echo", what: "trivial Fastify POST /echo, 1 event body (comparison)", value: e.requestsPerSecond, unit: "req/s", detail: `p50 ${e.latencyMs.p50} ms, p99 ${e.latencyMs.p99} ms` });
    } finally {
      await server.stop();
    }
  }

  const w = [Math.max(...rows.map((r) => r.what.length)), 12, 9, 10, 4];
  console.log(`\n${"case".padEnd(w[0]!)}  ${"value".padStart(w[1]!)}  ${"unit".padEnd(w[2]!)}  ${"target".padEnd(w[3]!)}  met   detail`);
  for (const r of rows) {
    console.log(
      `${r.what.padEnd(w[0]!)}  ${fmt(r.value).padStart(w[1]!)}  ${r.unit.padEnd(w[2]!)}  ${(r.target ?? "").padEnd(w[3]!)}  ${r.met === undefined ? "    " : r.met ? "yes " : "NO  "}  ${r.detail}`,
    );
  }
  const result = { at: new Date().toISOString(), quick, baseline: flags.baseline ?? null, serverEntry: serverEntry().join(" "), loadavgAtEnd: loadavg(), machine, durationSeconds: (Date.now() - started) / 1000, rows, details };
  const stamp = result.at.replace(/[:.]/g, "-");
  writeFileSync(join(RESULTS, `${stamp}.json`), JSON.stringify(result, null, 2));
  writeFileSync(join(RESULTS, "latest.json"), JSON.stringify(result, null, 2));
  log(`wrote bench/results/${stamp}.json and bench/results/latest.json (${result.durationSeconds.toFixed(0)} s)`);
}

main().catch((err) => {
  console.error("bench failed:", err);
  process.exit(1);
});
