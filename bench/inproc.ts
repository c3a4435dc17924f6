/**
 * In-process bench cases, each run in a fresh child process by bench/run.ts:
 *   node --expose-gc --import tsx bench/inproc.ts <case> '<json options>'
 * Prints progress on stderr and one line `RESULT {json}` on stdout.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { Session } from "node:inspector/promises";
import { tmpdir } from "node:os";
import v8 from "node:v8";
import { join } from "node:path";
import { Processor } from "../src/actors/processor.ts";
import type { ActorDeps } from "../src/actors/deps.ts";
import { type SaleEvent } from "../src/domain/event.ts";
import { decodeLogRecord } from "../src/domain/log-record.ts";
import { applyEvents, installWindows, markWritten, missingWindows, newStoreWindows, rowsToWrite, type LoggedEvent, type StoreWindows } from "../src/domain/store-windows.ts";
import { MINUTE_MS } from "../src/domain/time.ts";
import type { WindowingConfig } from "../src/domain/windowing-config.ts";
import { InProcessTicks } from "../src/live/in-process-ticks.ts";
import { LiveView } from "../src/live/live-view.ts";
import type { LogConsumer } from "../src/event-log/ports.ts";
import { createMetrics } from "../src/observability/metrics.ts";
import { SqliteProjections } from "../src/projections/embedded/sqlite-projections.ts";
import { BENCH_PARTITIONS, consumerOrder, consumerTurns, logRecords } from "./fixtures.ts";

/** The defaults of src/config/settings.ts. */
const WINDOWING: WindowingConfig = { graceMs: 5000, idleSlackMs: 5000, allowedLatenessMs: 600_000, checkpointMs: 5000, maxFutureSkewMs: 120_000 };
const START = Date.UTC(2026, 10, 27, 9, 0, 0);
const MAX_BATCH = 5000; // what the embedded consumer reads per partition per turn

const progress = (msg: string) => process.stderr.write(`    … ${msg}\n`);

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (!g) throw new Error("run with node --expose-gc");
  for (let i = 0; i < 4; i++) g();
}

/** The V8 heap plus ArrayBuffer memory (kept off the heap): what the process holds for JS objects. */
function heapUsed(): number {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** A Processor wired as createRuntime wires it, on a temp SQLite projections file, with a virtual clock. */
function makeProcessor(dir: string, clock: { now: number }) {
  const projections = new SqliteProjections(dir);
  const ticks = new InProcessTicks();
  const now = () => clock.now;
  const horizon = WINDOWING.graceMs + WINDOWING.idleSlackMs + WINDOWING.allowedLatenessMs + 2 * MINUTE_MS;
  const liveView = new LiveView(ticks, horizon, now);
  const metrics = createMetrics();
  const deps: ActorDeps = {
    minutes: projections.minutes,
    late: projections.late,
    ticks,
    deadLetters: { deadLetter: async () => {} },
    metrics,
    windowing: WINDOWING,
    partitions: BENCH_PARTITIONS,
    passivateAfterMs: 300_000,
    askTimeoutMs: 120_000,
    now,
  };
  // No log ends: windows close by stream time only (the quiet-partition path is not measured here).
  const consumer = { commit: async () => {}, lag: async () => [] } as unknown as LogConsumer;
  const processor = new Processor(deps, () => consumer, (e) => console.error(e));
  return { processor, projections, liveView, metrics };
}

/**
 * CPU profile of the measured part only (not of fixture building): written as a .cpuprofile. A path
 * ending in .heapprofile records allocations instead (sampled, including what GC has already
 * collected: where the allocation rate comes from, not what stays alive).
 */
async function startProfile(path: string | undefined): Promise<() => Promise<void>> {
  if (!path) return async () => {};
  const session = new Session();
  session.connect();
  if (path.endsWith(".heapprofile")) {
    await session.post("HeapProfiler.enable");
    await session.post("HeapProfiler.startSampling", { samplingInterval: 16_384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    return async () => {
      const { profile } = await session.post("HeapProfiler.stopSampling");
      writeFileSync(path, JSON.stringify(profile));
      session.disconnect();
    };
  }
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  await session.post("Profiler.start");
  return async () => {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(path, JSON.stringify(profile));
    session.disconnect();
  };
}

/** (c) Processor.batch: decode + partition/store actors + windows + SQLite writes, pre-encoded records; `maxBatch` records per partition per turn (default: the embedded consumer's). */
async function processCase(o: { events: number; stores: number; eventsPerSecond: number; profile?: string; maxBatch?: number }) {
  progress(`building ${o.events} log records for ${o.stores} stores`);
  const { byPartition } = logRecords({ events: o.events, stores: o.stores, eventsPerSecond: o.eventsPerSecond, start: START });
  const turns = consumerTurns(byPartition, o.maxBatch ?? MAX_BATCH);
  const batches = turns.flat();
  const dir = mkdtempSync(join(tmpdir(), "intraday-bench-"));
  const clock = { now: START };
  const { processor, projections, liveView, metrics } = makeProcessor(dir, clock);
  await processor.assigned(Array.from({ length: BENCH_PARTITIONS }, (_, p) => p));
  // Warm-up on a separate copy would skew windows; instead report the steady part separately.
  progress(`processing ${batches.length} batches`);
  const perBatchMs: number[] = [];
  const stopProfile = await startProfile(o.profile);
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  let done = 0;
  let lastTickAt = START;
  for (const turn of turns) {
    // as SqliteConsumer does: every partition's next batch at once (their row writes share a transaction)
    clock.now = Math.max(...turn.map((b) => b[b.length - 1]!.appendTime)) + 50; // wall clock just behind the newest append
    const t0 = performance.now();
    await Promise.all(turn.map((b) => processor.batch(b[0]!.partition, b)));
    perBatchMs.push(performance.now() - t0);
    for (const b of turn) done += b.length;
    if (clock.now - lastTickAt >= 1000) {
      // the runtime's wall-clock sweep (every 1 s of virtual time)
      await processor.sweep();
      lastTickAt = clock.now;
    }
  }
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await stopProfile();
  const windowsInMemory = processor.openWindows();
  const flushStart = performance.now();
  await processor.revoked(Array.from({ length: BENCH_PARTITIONS }, (_, p) => p));
  const flushMs = performance.now() - flushStart;
  const rowWrites = metrics.rowWrites.get();
  await processor.stop();
  liveView.close();
  await projections.close();
  rmSync(dir, { recursive: true, force: true });
  const sorted = perBatchMs.slice().sort((a, b) => a - b);
  const half = perBatchMs.slice(Math.floor(perBatchMs.length / 2));
  const halfEvents = turns.slice(Math.floor(turns.length / 2)).reduce((s, t) => s + t.reduce((n, b) => n + b.length, 0), 0);
  return {
    events: done,
    stores: o.stores,
    batches: batches.length,
    seconds: elapsed,
    eventsPerSecond: done / elapsed,
    // CPU time of this process (user + system) per event: steadier than wall time on a shared machine
    cpuMicrosPerEvent: (cpu.user + cpu.system) / done,
    secondHalfEventsPerSecond: halfEvents / (half.reduce((s, x) => s + x, 0) / 1000),
    batchMs: { p50: sorted[Math.floor(sorted.length / 2)], p99: sorted[Math.floor(sorted.length * 0.99)] },
    rowWrites,
    finalFlushMs: flushMs,
    windowsInMemory,
  };
}

/** Decode alone (JSON.parse + zod + derived fields), for the breakdown. */
function decodeCase(o: { events: number; stores: number }) {
  const { byPartition } = logRecords({ events: o.events, stores: o.stores, eventsPerSecond: 1000, start: START });
  const records = byPartition.flat();
  for (let i = 0; i < Math.min(20_000, records.length); i++) decodeLogRecord(records[i]!.value); // warm-up
  const t0 = performance.now();
  let ok = 0;
  for (const r of records) if (decodeLogRecord(r.value).ok) ok++;
  const s = (performance.now() - t0) / 1000;
  return { events: ok, seconds: s, eventsPerSecond: ok / s, usPerEvent: (s * 1e6) / ok };
}

/** Pre-decoded events per store, in consumer order, grouped as the partition actor groups them. */
function decodedGroups(o: { events: number; stores: number; eventsPerSecond: number }): LoggedEvent[][] {
  const { byPartition } = logRecords({ events: o.events, stores: o.stores, eventsPerSecond: o.eventsPerSecond, start: START });
  const groups: LoggedEvent[][] = [];
  for (const batch of consumerOrder(byPartition, MAX_BATCH)) {
    const byStore = new Map<string, LoggedEvent[]>();
    for (const r of batch) {
      const d = decodeLogRecord(r.value);
      if (!d.ok) continue;
      const l: LoggedEvent = { partition: r.partition, offset: r.offset, appendTime: r.appendTime, event: d.event };
      const list = byStore.get(d.event.storeId);
      if (list) list.push(l);
      else byStore.set(d.event.storeId, [l]);
    }
    groups.push(...byStore.values());
  }
  return groups;
}

/** (d) applyEvents (with missingWindows, as the store actor calls it), no I/O. */
function applyCase(o: { events: number; stores: number; eventsPerSecond: number }) {
  progress(`decoding ${o.events} events for the pure window bench`);
  const groups = decodedGroups(o);
  const run = () => {
    const stores = new Map<string, StoreWindows>();
    let n = 0;
    const t0 = performance.now();
    for (const g of groups) {
      const id = g[0]!.event.storeId;
      let s = stores.get(id);
      if (!s) stores.set(id, (s = newStoreWindows(id)));
      const missing = missingWindows(s, g);
      if (missing.length) installWindows(s, missing, [], 0);
      n += applyEvents(s, g, WINDOWING).outcomes.length;
    }
    return { n, s: (performance.now() - t0) / 1000 };
  };
  run(); // warm-up (JIT)
  const r = run();
  return { events: r.n, seconds: r.s, eventsPerSecond: r.n / r.s };
}

function fakeEvent(storeId: string, minute: number, i: number, uuid: () => string): SaleEvent {
  return {
    eventId: uuid(),
    storeId,
    occurredAt: new Date(minute + (i % 60) * 1000).toISOString(),
    occurredAtMs: minute + (i % 60) * 1000,
    type: "sale",
    currency: "EUR",
    lines: [{ sku: "SKU-1001", quantity: 1, unitPriceMinor: 499 }],
    totalMinor: 499,
    itemCount: 1,
  };
}

/**
 * (e) Heap per window held by store state: `windows` windows with `perWindow` events each
 * (event ids kept for dedupe), spread over stores; events themselves are not retained.
 * `checkpointed`: each window's row is then written (as the checkpoint every CHECKPOINT_MS does),
 * so the window holds its ids as fingerprints; otherwise they are all still pending, as text.
 */
function heapWindowsCase(o: { windows: number; perWindow: number; windowsPerStore: number; checkpointed?: boolean }) {
  const storeCount = Math.ceil(o.windows / o.windowsPerStore);
  // Ids as the pipeline holds them: flat strings from JSON.parse (randomUUID() returns a cons string of ~20 pieces).
  const uuid = () => JSON.parse(`"${randomUUID()}"`) as string;
  const holder: StoreWindows[] = [];
  const before = heapUsed();
  const snapshots = process.env.BENCH_HEAP_SNAPSHOTS;
  if (snapshots) v8.writeHeapSnapshot(join(snapshots, "before.heapsnapshot"));
  let offset = 0;
  for (let st = 0; st < storeCount; st++) {
    const storeId = `store-${String(st).padStart(5, "0")}`;
    const s = newStoreWindows(storeId);
    holder.push(s);
    for (let w = 0; w < o.windowsPerStore && st * o.windowsPerStore + w < o.windows; w++) {
      const minute = START + w * MINUTE_MS;
      const events: LoggedEvent[] = [];
      for (let i = 0; i < o.perWindow; i++) events.push({ partition: 0, offset: offset++, appendTime: minute + 1000, event: fakeEvent(storeId, minute, i, uuid) });
      installWindows(s, missingWindows(s, events), [], minute + 1000);
      applyEvents(s, events, WINDOWING);
    }
    const now = START + o.windowsPerStore * MINUTE_MS;
    if (o.checkpointed) markWritten(s, rowsToWrite(s, { streamTime: START, caughtUpAt: START, now }, WINDOWING, true), now);
  }
  const after = heapUsed();
  if (snapshots) v8.writeHeapSnapshot(join(snapshots, "after.heapsnapshot"));
  let windows = 0;
  for (const s of holder) windows += s.windows.size;
  return { windows, perWindow: o.perWindow, checkpointed: o.checkpointed ?? false, stores: storeCount, heapBytes: after - before, bytesPerWindow: (after - before) / windows };
}

/**
 * (e') Heap per window in memory through the whole processor (actors, store entries, live view
 * included): feed records, then divide the heap growth by the windows the actors hold.
 */
async function heapProcessorCase(o: { events: number; stores: number; eventsPerSecond: number }) {
  const { byPartition } = logRecords({ events: o.events, stores: o.stores, eventsPerSecond: o.eventsPerSecond, start: START });
  const batches = consumerOrder(byPartition, MAX_BATCH);
  const dir = mkdtempSync(join(tmpdir(), "intraday-bench-"));
  const clock = { now: START };
  const { processor, projections, liveView } = makeProcessor(dir, clock);
  await processor.assigned(Array.from({ length: BENCH_PARTITIONS }, (_, p) => p));
  const before = heapUsed();
  const snapshots = process.env.BENCH_HEAP_SNAPSHOTS;
  if (snapshots) v8.writeHeapSnapshot(join(snapshots, "before.heapsnapshot"));
  for (const b of batches) {
    clock.now = b[b.length - 1]!.appendTime + 50;
    await processor.batch(b[0]!.partition, b);
  }
  await processor.sweep();
  const after = heapUsed(); // the fixtures are still referenced (below), so the growth is the processor's
  if (snapshots) v8.writeHeapSnapshot(join(snapshots, "after.heapsnapshot"));
  const fixtureRecords = batches.reduce((n, b) => n + b.length, 0) + byPartition.length;
  const windows = processor.openWindows();
  const liveRows = liveView.size();
  await processor.stop();
  liveView.close();
  await projections.close();
  rmSync(dir, { recursive: true, force: true });
  return { events: o.events, fixtureRecords, stores: o.stores, windows, liveViewRows: liveRows, eventsPerWindow: o.events / Math.max(1, windows), heapBytes: after - before, bytesPerWindow: (after - before) / Math.max(1, windows) };
}

const CASES: Record<string, (o: never) => unknown> = {
  process: processCase,
  decode: decodeCase,
  apply: applyCase,
  "heap-windows": heapWindowsCase,
  "heap-processor": heapProcessorCase,
};

const [name, json] = process.argv.slice(2);
const fn = CASES[name ?? ""];
if (!fn) {
  console.error(`usage: node --expose-gc --import tsx bench/inproc.ts <${Object.keys(CASES).join("|")}> '<json>'`);
  process.exit(2);
}
Promise.resolve(fn(JSON.parse(json ?? "{}") as never))
  .then((r) => {
    process.stdout.write(`RESULT ${JSON.stringify(r)}\n`);
    process.exit(0);
  })
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
