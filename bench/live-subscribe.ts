/**
 * Websocket subscribe cost: how long a subscribe takes (send → snapshot received) and the longest
 * event-loop stall it causes, for id lists of several sizes against a live view of `--rows` store
 * rows, plus a "*" subscribe. The embedded server listens on a random port; rows are published as
 * synthetic ticks (no pipeline work is measured).
 *
 * Last, `--clients` sockets subscribe to "*" at the same moment (a busy live page opened by many, or
 * a flood): the time until every one has its snapshot, the stall, and the heap that grew meanwhile.
 *
 *   npx tsx bench/live-subscribe.ts [--rows 10000] [--iterations 5] [--clients 20]
 *
 * Prints a table and writes bench/results/live-subscribe-<timestamp>.json and live-subscribe-latest.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { startEmbedded, waitFor } from "../test/support/embedded-app.ts";
import { LiveClient } from "../test/support/live-client.ts";
import { manyStoreIds, storeTicks } from "../test/support/synthetic-ticks.ts";

const { values: flags } = parseArgs({ options: { rows: { type: "string", default: "10000" }, iterations: { type: "string", default: "5" }, clients: { type: "string", default: "20" } } });
const ROWS = Number(flags.rows);
const ITERATIONS = Number(flags.iterations);
const CLIENTS = Number(flags.clients);
const MINUTE = 60_000;

const app = await startEmbedded({ listen: true, env: { WS_MAX_SUBSCRIBE_IDS: String(ROWS), WS_MAX_MESSAGE_BYTES: String(16 * ROWS + 1024), WS_CONTROL_PER_SECOND: "1000" } });
const ids = manyStoreIds(ROWS);
app.runtime.adapters.ticksOut.publish(storeTicks(ids, Math.floor(Date.now() / MINUTE) * MINUTE));

const cases: { name: string; sub: string[] | "*" }[] = [
  { name: "1 id", sub: ids.slice(0, 1) },
  { name: "32 ids", sub: ids.slice(0, 32) },
  { name: "1,000 ids", sub: ids.slice(0, 1000) },
  { name: `${ids.length.toLocaleString("en")} ids`, sub: ids },
  { name: '"*"', sub: "*" },
];

const results = [];
const client = await LiveClient.connect(app.url);
for (const c of cases) {
  const times: number[] = [];
  let maxStallMs = 0;
  let rows = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const t0 = performance.now();
    const snap = await client.subscribe(c.sub);
    times.push(performance.now() - t0);
    loop.disable();
    maxStallMs = Math.max(maxStallMs, loop.max / 1e6);
    rows = (snap.minutes as unknown[]).length;
    client.messages.length = 0;
  }
  times.sort((a, b) => a - b);
  results.push({ case: c.name, snapshotRows: rows, medianMs: +times[Math.floor(times.length / 2)]!.toFixed(1), maxMs: +times.at(-1)!.toFixed(1), maxEventLoopStallMs: +maxStallMs.toFixed(1) });
}
client.ws.terminate();

{
  // These clients only recognise their snapshot, without parsing it: the clients share this process, and
  // parsing 20 snapshots would be most of what is measured.
  const many = await Promise.all(Array.from({ length: CLIENTS }, () => LiveClient.connect(app.url)));
  const snapshots = many.map(() => 0);
  many.forEach((c, i) => {
    c.ws.removeAllListeners("message");
    c.ws.on("message", (data: Buffer) => {
      if (data.subarray(0, 24).toString().startsWith('{"type":"snapshot"')) snapshots[i]! += 1;
    });
  });
  const times: number[] = [];
  let maxStallMs = 0;
  let heapGrowthMiB = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const heapBefore = process.memoryUsage().heapUsed;
    let heapPeak = heapBefore;
    const sampler = setInterval(() => (heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)), 5);
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const t0 = performance.now();
    for (const c of many) c.ws.send(JSON.stringify({ subscribe: "*" }));
    await waitFor(async () => snapshots.every((n) => n > i), 60_000, 2);
    times.push(performance.now() - t0);
    loop.disable();
    clearInterval(sampler);
    maxStallMs = Math.max(maxStallMs, loop.max / 1e6);
    heapGrowthMiB = Math.max(heapGrowthMiB, (heapPeak - heapBefore) / 2 ** 20);
  }
  times.sort((a, b) => a - b);
  results.push({ case: `"*" by ${CLIENTS} clients at once`, snapshotRows: ROWS, medianMs: +times[Math.floor(times.length / 2)]!.toFixed(1), maxMs: +times.at(-1)!.toFixed(1), maxEventLoopStallMs: +maxStallMs.toFixed(1), heapGrowthMiB: +heapGrowthMiB.toFixed(1) });
  for (const c of many) c.ws.terminate();
}
await app.close();

console.table(results);
const out = { bench: "live-subscribe", at: new Date().toISOString(), liveViewRows: ROWS, iterations: ITERATIONS, clients: CLIENTS, cpus: cpus().length, node: process.version, results };
const dir = join(import.meta.dirname, "results");
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, `live-subscribe-${out.at.replace(/[:.]/g, "-")}.json`), JSON.stringify(out, null, 2));
writeFileSync(join(dir, "live-subscribe-latest.json"), JSON.stringify(out, null, 2));
