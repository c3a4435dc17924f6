/** (d) POST → websocket tick latency at a steady rate, and (e) REST query latency, measured from the bench process. */
import http from "node:http";
import WebSocket from "ws";
import type { SaleEvent } from "../../src/domain/event.ts";
import { makeStores } from "../../scripts/sim/traffic.ts";
import { keepAliveRequest, resetRetries } from "./keep-alive-request.ts";
import { saleEvent } from "./prefill.ts";

export interface Percentiles {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function percentiles(xs: number[]): Percentiles {
  if (!xs.length) return { n: 0, p50: NaN, p90: NaN, p99: NaN, max: NaN, mean: NaN };
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
  const r = (x: number) => Number(x.toFixed(2));
  return { n: s.length, p50: r(at(0.5)), p90: r(at(0.9)), p99: r(at(0.99)), max: r(s[s.length - 1]!), mean: r(s.reduce((a, b) => a + b, 0) / s.length) };
}

/** The public JSON of an event (what a POS would POST). */
export function inputJson(e: SaleEvent): string {
  return JSON.stringify({ eventId: e.eventId, storeId: e.storeId, occurredAt: e.occurredAt, type: e.type, currency: e.currency, lines: e.lines, totalMinor: e.totalMinor });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

function request(url: string, method: "GET" | "POST", body?: string): Promise<{ status: number; body: string }> {
  return keepAliveRequest(agent, url, method, body);
}

export interface TickLatencyResult {
  rate: number;
  seconds: number;
  posts: number;
  accepted: number;
  ticksMatched: number;
  missing: number;
  /** POSTs not answered 202, by status or client error: their events have no tick to wait for. */
  refused: Record<string, number>;
  /** POSTs sent again after the keep-alive race (their latency includes the retry). */
  resentAfterReset: number;
  tickMs: Percentiles;
  /** Every matched tick's latency, in the order they came (to pool several runs). */
  tickSamplesMs: number[];
  /** When each of those ticks' POSTs was sent (epoch ms): where slow ticks fall in the minute. */
  tickSentAt: number[];
  postAckMs: Percentiles;
  snapshotMs: number;
  /** Tick messages the "*" client got after its snapshot (the load's too), and over how long. */
  tickMessages: number;
  listenedMs: number;
}

/** How long a subscriber waits for its snapshot (a "*" snapshot of a busy instance is megabytes). */
const SNAPSHOT_TIMEOUT_MS = 30_000;

/**
 * A websocket client subscribed to "*" and a steady stream of single-event POSTs, each to a store
 * id of its own, so the first tick of that store is the tick of that POST.
 */
export async function tickLatency(base: string, opts: { rate: number; seconds: number; tag: string }): Promise<TickLatencyResult> {
  const ws = new WebSocket(`${base.replace("http", "ws")}/v1/live`);
  const sentAt = new Map<string, number>();
  const tickMs: number[] = [];
  const tickSentAt: number[] = [];
  const toEpoch = Date.now() - performance.now();
  const ackMs: number[] = [];
  let snapshotAt = 0;
  /** Every tick message after the snapshot (the probe's own and the load's): what a "*" client is sent. */
  let tickMessages = 0;
  const subscribedAt = await new Promise<number>((resolve, reject) => {
    ws.once("open", () => {
      ws.send(JSON.stringify({ subscribe: "*" }));
      resolve(performance.now());
    });
    ws.once("error", reject);
  });
  // A snapshot the server could not read comes as an error message, and a dropped client only sees
  // the close: either fails the run instead of waiting for ever.
  const snapshot = new Promise<void>((resolve, reject) => {
    const timeout = setTimeout(() => reject(new Error(`no snapshot within ${SNAPSHOT_TIMEOUT_MS} ms`)), SNAPSHOT_TIMEOUT_MS);
    ws.once("close", (code, reason) => reject(new Error(`the feed closed before its snapshot: ${code} ${reason.toString()}`)));
    ws.on("message", (data) => {
      const now = performance.now();
      const msg = JSON.parse(data.toString()) as { type: string; storeId?: string; code?: string; error?: string };
      if (msg.type === "snapshot") {
        snapshotAt = now;
        clearTimeout(timeout);
        resolve();
      } else if (msg.type === "error" && !snapshotAt) {
        clearTimeout(timeout);
        reject(new Error(`the feed answered the subscribe with ${msg.code}: ${msg.error}`));
      } else if (msg.type === "tick" && msg.storeId) {
        tickMessages++;
        const t = sentAt.get(msg.storeId);
        if (t !== undefined) {
          tickMs.push(now - t);
          tickSentAt.push(Math.round(toEpoch + t));
          sentAt.delete(msg.storeId);
        }
      }
    });
  });
  try {
    await snapshot;
  } catch (err) {
    ws.terminate();
    throw err;
  }
  const stores = makeStores(50);
  const resentBefore = resetRetries(agent);
  let posts = 0;
  let accepted = 0;
  const refused: Record<string, number> = {};
  const total = opts.rate * opts.seconds;
  const pending: Promise<void>[] = [];
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * opts.rate));
      while (posts < due) {
        const i = posts++;
        const template = stores[i % stores.length]!;
        const storeId = `${opts.tag}-${i}`;
        const e = saleEvent({ ...template, storeId }, Date.now(), i);
        const t = performance.now();
        sentAt.set(storeId, t);
        pending.push(
          request(`${base}/v1/sales`, "POST", inputJson(e)).then(
            (r) => {
              ackMs.push(performance.now() - t);
              if (r.status === 202) accepted++;
              else refused[`${r.status}: ${r.body.slice(0, 120)}`] = (refused[`${r.status}: ${r.body.slice(0, 120)}`] ?? 0) + 1;
            },
            (err: Error) => {
              refused[`client: ${err.message}`] = (refused[`client: ${err.message}`] ?? 0) + 1;
            },
          ),
        );
      }
      if (posts >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 2);
  });
  await Promise.all(pending);
  const deadline = performance.now() + 15_000;
  while (sentAt.size && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  ws.close();
  const listenedMs = performance.now() - snapshotAt;
  return {
    rate: opts.rate,
    seconds: opts.seconds,
    posts,
    accepted,
    ticksMatched: tickMs.length,
    missing: sentAt.size,
    refused,
    resentAfterReset: resetRetries(agent) - resentBefore,
    tickMs: percentiles(tickMs),
    tickSamplesMs: tickMs.map((x) => Number(x.toFixed(2))),
    tickSentAt,
    postAckMs: percentiles(ackMs),
    snapshotMs: Number((snapshotAt - subscribedAt).toFixed(1)),
    tickMessages,
    listenedMs: Math.round(listenedMs),
  };
}

export interface QueryLatencyResult {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  non200: number;
  rowsPerResponse: number;
  ms: Percentiles;
}

/** One client, one request at a time (latency, not throughput), for `seconds`, after a short warm-up. */
export async function queryLatency(url: () => string, seconds: number): Promise<QueryLatencyResult> {
  const warm = performance.now() + 1000;
  while (performance.now() < warm) await request(url(), "GET");
  const xs: number[] = [];
  let non200 = 0;
  let rows = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  while (performance.now() < end) {
    const t = performance.now();
    const r = await request(url(), "GET");
    xs.push(performance.now() - t);
    if (r.status !== 200) non200++;
    else if (xs.length <= 20) rows += (JSON.parse(r.body) as { minutes: unknown[] }).minutes.length;
  }
  const secs = (performance.now() - started) / 1000;
  return { requests: xs.length, seconds: secs, requestsPerSecond: xs.length / secs, non200, rowsPerResponse: rows / Math.min(20, xs.length), ms: percentiles(xs) };
}
