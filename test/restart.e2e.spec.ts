import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PublicMinute } from "../src/domain/public-minute.ts";
import { partitionFor } from "../src/event-log/partitioner.ts";
import { killAllSpawned, spawnServer, type ServerProcess } from "./support/process.ts";

/**
 * The restart guarantee with the real server as a child process (`node --import tsx src/main.ts`):
 * kill -9 mid-stream, restart on the same INTRADAY_DATA_DIR, retry what was not acknowledged, and
 * every minute equals a recomputation from the accepted events, each counted exactly once. Then a
 * graceful SIGTERM stop and restart changes nothing.
 */

const MINUTE = 60_000;

interface Ev {
  eventId: string;
  storeId: string;
  occurredAt: string;
  type: "sale" | "refund";
  currency: string;
  lines: { sku: string; quantity: number; unitPriceMinor: number }[];
  totalMinor?: number;
}

type Totals = Omit<PublicMinute, "minute" | "currency" | "provisional">;
type Row = PublicMinute;

let dataDir: string;
const tag = randomUUID().slice(0, 6);
const STORES = Array.from({ length: 8 }, (_, i) => `rs-${tag}-${i}`);
const CURRENCIES = ["EUR", "EUR", "EUR", "USD", "USD", "JPY"];

const env = () => ({
  INTRADAY_DATA_DIR: dataDir,
  INTRADAY_PARTITIONS: "4",
  INTRADAY_GRACE_MS: "200",
  INTRADAY_IDLE_SLACK_MS: "200",
  INTRADAY_CHECKPOINT_MS: "100",
  INTRADAY_SWEEP_INTERVAL_MS: "50",
  INTRADAY_ALLOWED_LATENESS_MS: String(30 * MINUTE),
  INTRADAY_SHUTDOWN_TIMEOUT_MS: "15000",
});

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), "intraday-restart-"));
});

afterAll(async () => {
  await killAllSpawned();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Small deterministic PRNG so a failure can be reproduced from the printed seed. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = s;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

function makeEvents(n: number, now: number, rand: () => number): Ev[] {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  return Array.from({ length: n }, () => {
    const lines = Array.from({ length: 1 + Math.floor(rand() * 3) }, (_, i) => ({ sku: `sku-${i}`, quantity: 1 + Math.floor(rand() * 5), unitPriceMinor: Math.floor(rand() * 5000) }));
    const e: Ev = {
      eventId: randomUUID(),
      storeId: pick(STORES),
      // Spread over the last four minutes (closed, within the allowed lateness) and the open one.
      occurredAt: new Date(now - Math.floor(rand() * 4 * MINUTE)).toISOString(),
      type: rand() < 0.8 ? "sale" : "refund",
      currency: pick(CURRENCIES),
      lines,
    };
    if (rand() < 0.3) e.totalMinor = lines.reduce((s, l) => s + l.quantity * l.unitPriceMinor, 0);
    return e;
  });
}

/** Batches of 1–25 events; some carry retries of earlier events (across requests) or a repeat within the request. */
function makeBatches(events: Ev[], rand: () => number): Ev[][] {
  const batches: Ev[][] = [];
  let i = 0;
  while (i < events.length) {
    const size = 1 + Math.floor(rand() * 25);
    const b = events.slice(i, i + size);
    i += size;
    if (i > 50 && rand() < 0.3) b.push(events[Math.floor(rand() * Math.min(i, events.length))]!); // retry of an earlier event
    if (rand() < 0.1) b.push(b[0]!); // duplicate within the request
    batches.push(b);
  }
  return batches;
}

function minuteKey(e: Ev): string {
  return new Date(Math.floor(Date.parse(e.occurredAt) / MINUTE) * MINUTE).toISOString();
}

/** The direct recomputation: per store|minute|currency over unique event ids. */
function recompute(events: Iterable<Ev>): Map<string, Totals> {
  const out = new Map<string, Totals>();
  const seen = new Set<string>();
  for (const e of events) {
    if (seen.has(e.eventId)) continue;
    seen.add(e.eventId);
    const key = `${e.storeId}|${minuteKey(e)}|${e.currency}`;
    let t = out.get(key);
    if (!t) out.set(key, (t = { saleCount: 0, refundCount: 0, grossMinor: 0, refundMinor: 0, netMinor: 0, itemCount: 0 }));
    const amount = e.lines.reduce((s, l) => s + l.quantity * l.unitPriceMinor, 0);
    if (e.type === "sale") {
      t.saleCount += 1;
      t.grossMinor += amount;
      t.netMinor += amount;
      t.itemCount += e.lines.reduce((s, l) => s + l.quantity, 0);
    } else {
      t.refundCount += 1;
      t.refundMinor += amount;
      t.netMinor -= amount;
    }
  }
  return out;
}

async function actualRows(server: ServerProcess, from: number): Promise<Map<string, Row>> {
  const out = new Map<string, Row>();
  const to = Date.now() + 2 * MINUTE;
  await Promise.all(
    STORES.map(async (s) => {
      const r = await fetch(`${server.url}/v1/stores/${s}/minutes?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`);
      expect(r.status).toBe(200);
      for (const row of ((await r.json()) as { minutes: Row[] }).minutes) out.set(`${s}|${row.minute}|${row.currency}`, row);
    }),
  );
  return out;
}

const FIELDS = ["saleCount", "refundCount", "grossMinor", "refundMinor", "netMinor", "itemCount"] as const;

function diff(expected: Map<string, Totals>, actual: Map<string, Row>): string[] {
  const problems: string[] = [];
  for (const [k, e] of expected) {
    const a = actual.get(k);
    if (!a) problems.push(`${k}: missing`);
    else for (const f of FIELDS) if (a[f] !== e[f]) problems.push(`${k}.${f}: expected ${e[f]}, got ${a[f]}`);
  }
  for (const k of actual.keys()) if (!expected.has(k)) problems.push(`${k}: unexpected row`);
  return problems;
}

async function rowsMatch(server: ServerProcess, from: number, events: Iterable<Ev>, timeoutMs: number): Promise<Map<string, Row>> {
  const expected = recompute(events);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const actual = await actualRows(server, from);
    const problems = diff(expected, actual);
    if (problems.length === 0) return actual;
    if (Date.now() > deadline) throw new Error(`rows never matched the recomputation:\n  ${problems.slice(0, 20).join("\n  ")}\n--- server output:\n${server.output().slice(-3000)}`);
    await sleep(200);
  }
}

/** One sale now for one test store of each partition the test stores use. */
function partitionMarkers(): Ev[] {
  const byPartition = new Map(STORES.map((s) => [partitionFor(s, Number(env().INTRADAY_PARTITIONS)), s]));
  return [...byPartition.values()].map((storeId) => ({ eventId: randomUUID(), storeId, occurredAt: new Date().toISOString(), type: "sale", currency: "EUR", lines: [{ sku: "marker", quantity: 1, unitPriceMinor: 1 }] }));
}

/**
 * Waits until the served rows equal the recomputation, then checks they stay equal (no late double
 * count) without a pause: a marker sale is sent on every partition of the test stores and appended
 * to `events`; partitions are applied in order, so once the rows equal the recomputation with the
 * markers, everything before them has been applied, and applied once.
 */
async function expectExactly(server: ServerProcess, from: number, events: Ev[], timeoutMs = 60_000): Promise<Map<string, Row>> {
  await rowsMatch(server, from, events, timeoutMs);
  const markers = partitionMarkers();
  expect(await postBatch(server, markers)).toMatchObject({ status: "acked", accepted: markers.length });
  events.push(...markers);
  return rowsMatch(server, from, events, timeoutMs);
}

type Outcome = { status: "acked"; accepted: number; duplicates: number } | { status: "failed" | "unsent" };

async function postBatch(server: ServerProcess, batch: Ev[]): Promise<Outcome> {
  try {
    const r = await fetch(`${server.url}/v1/sales`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(batch) });
    const body = (await r.json()) as { accepted: number; duplicates: number };
    if (r.status !== 202) throw new Error(`unexpected ${r.status}: ${JSON.stringify(body)}`);
    expect(body.accepted + body.duplicates).toBe(batch.length);
    return { status: "acked", ...body };
  } catch (err) {
    if ((err as Error).message.startsWith("unexpected")) throw err;
    return { status: "failed" };
  }
}

/** Posts batches with `concurrency` requests in flight; calls onAck after each 202 (it may kill the server). */
async function postAll(server: ServerProcess, batches: Ev[][], concurrency: number, onAck?: (acked: number) => void): Promise<Outcome[]> {
  const outcomes: Outcome[] = batches.map(() => ({ status: "unsent" }));
  let next = 0;
  let acked = 0;
  let dead = false;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (!dead && next < batches.length) {
        const i = next++;
        const o = await postBatch(server, batches[i]!);
        outcomes[i] = o;
        if (o.status === "failed") dead = true;
        else onAck?.(++acked);
      }
    }),
  );
  return outcomes;
}

async function waitUntil(probe: () => Promise<boolean>, timeoutMs: number, failure: string): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await probe()); ) {
    if (Date.now() > deadline) throw new Error(failure);
    await sleep(200);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

describe("restart guarantee (real server process, embedded default)", () => {
  const seed = Date.now() % 100_000;
  const rand = rng(seed);
  const start = Date.now();
  const from = start - 6 * MINUTE;
  const events = makeEvents(2500, start, rand);
  const batches = makeBatches(events, rand);
  /** Every event of every request that got a 202, ever. */
  const acknowledged: Ev[] = [];

  it(`kill -9 mid-stream, restart, retry the unacknowledged: every minute counts each event exactly once (seed ${seed})`, async () => {
    const a = await spawnServer({ env: env() });
    const killAfter = Math.floor(batches.length * 0.4);
    let killed: Promise<unknown> | undefined;
    const phase1 = await postAll(a, batches, 8, (acked) => {
      if (acked === killAfter) killed = a.kill9();
    });
    expect(killed).toBeDefined();
    const exit = await killed!;
    expect(exit).toMatchObject({ signal: "SIGKILL" });

    const ackedIdx = phase1.flatMap((o, i) => (o.status === "acked" ? [i] : []));
    const failedIdx = phase1.flatMap((o, i) => (o.status === "failed" ? [i] : []));
    const unsentIdx = phase1.flatMap((o, i) => (o.status === "unsent" ? [i] : []));
    for (const i of ackedIdx) acknowledged.push(...batches[i]!);
    console.log(`seed ${seed}: ${batches.length} requests; before kill -9: ${ackedIdx.length} acknowledged, ${failedIdx.length} in flight (unknown), ${unsentIdx.length} not sent`);
    expect(ackedIdx.length).toBeGreaterThanOrEqual(killAfter);
    expect(failedIdx.length + unsentIdx.length).toBeGreaterThan(0);

    // Restart on the same data dir.
    const b = await spawnServer({ env: env() });
    try {
      // Before any retry: each acknowledged event is there exactly once; in-flight ones at most once.
      const lower = recompute(acknowledged);
      const upper = recompute([...acknowledged, ...failedIdx.flatMap((i) => batches[i]!)]);
      const deadline = Date.now() + 60_000;
      for (;;) {
        const actual = await actualRows(b, from);
        const short = [...lower].filter(([k, e]) => FIELDS.some((f) => (actual.get(k)?.[f] ?? 0) < e[f] && f !== "netMinor"));
        if (short.length === 0) {
          for (const [k, a2] of actual) {
            const u = upper.get(k);
            expect(u, `row ${k} not explained by any request`).toBeDefined();
            for (const f of ["saleCount", "refundCount", "grossMinor", "refundMinor", "itemCount"] as const) expect(a2[f], `${k}.${f}`).toBeLessThanOrEqual(u![f]);
          }
          break;
        }
        if (Date.now() > deadline) throw new Error(`acknowledged events missing after restart: ${short.slice(0, 10).map(([k]) => k).join(", ")}\n${b.output()}`);
        await sleep(200);
      }

      // The client retries what it does not know the fate of, then sends the rest.
      let retriedAccepted = 0;
      for (const i of failedIdx) {
        const o = await postBatch(b, batches[i]!);
        expect(o.status).toBe("acked");
        if (o.status === "acked") retriedAccepted += o.accepted;
        acknowledged.push(...batches[i]!);
      }
      const rest = await postAll(b, unsentIdx.map((i) => batches[i]!), 8);
      expect(rest.every((o) => o.status === "acked")).toBe(true);
      for (const i of unsentIdx) acknowledged.push(...batches[i]!);
      console.log(`after restart: retried ${failedIdx.length} unknown requests (${retriedAccepted} events new), sent ${unsentIdx.length} more`);

      // Retrying acknowledged requests again: all duplicates, nothing new.
      for (const i of ackedIdx.slice(0, 15)) {
        const o = await postBatch(b, batches[i]!);
        expect(o).toEqual({ status: "acked", accepted: 0, duplicates: batches[i]!.length });
      }

      expect(new Set(acknowledged.map((e) => e.eventId))).toEqual(new Set(events.map((e) => e.eventId)));
      await expectExactly(b, from, acknowledged);
    } finally {
      await b.kill9();
    }

    // A second crash right after a burst is acknowledged, while windows are open and offsets uncommitted.
    const c = await spawnServer({ env: env() });
    let b2: ServerProcess | undefined;
    try {
      const burst = makeEvents(400, Date.now(), rand);
      const burstOutcomes = await postAll(c, makeBatches(burst, rand), 8);
      expect(burstOutcomes.every((o) => o.status === "acked")).toBe(true);
      acknowledged.push(...burst);
      await c.kill9();
      b2 = await spawnServer({ env: env() });
      const b = b2;
      await expectExactly(b, from, acknowledged);

      // Closed minutes become final and stay exact; the all-stores view sums stores per currency.
      const openMinute = Math.floor(Date.now() / MINUTE) * MINUTE;
      const rows = await (async () => {
        for (const deadline2 = Date.now() + 30_000; ; ) {
          const r = await actualRows(b, from);
          if ([...r.values()].every((x) => !x.provisional || Date.parse(x.minute) >= openMinute - MINUTE)) return r;
          if (Date.now() > deadline2) throw new Error("closed minutes stayed provisional");
          await sleep(200);
        }
      })();
      expect(diff(recompute(acknowledged), rows)).toEqual([]);
      const all = (await (await fetch(`${b.url}/v1/minutes?from=${new Date(from).toISOString()}&to=${new Date(Date.now() + 2 * MINUTE).toISOString()}`)).json()) as { minutes: Row[] };
      const perMinuteCurrency = new Map<string, number>();
      for (const [k, t] of recompute(acknowledged)) {
        const [, minute, currency] = k.split("|");
        perMinuteCurrency.set(`${minute}|${currency}`, (perMinuteCurrency.get(`${minute}|${currency}`) ?? 0) + t.netMinor);
      }
      expect(new Map(all.minutes.map((m) => [`${m.minute}|${m.currency}`, m.netMinor]))).toEqual(perMinuteCurrency);
    } finally {
      await c.kill9();
      await b2?.kill9();
    }
  });

  it("graceful SIGTERM stop and restart: clean exit, nothing lost or double counted, retries still duplicates", async () => {
    expect(acknowledged.length).toBeGreaterThan(0);
    const c = await spawnServer({ env: env() });
    await expectExactly(c, from, acknowledged);

    // New traffic into the open minute, then SIGTERM while the minute is still open.
    const fresh = makeEvents(300, Date.now() - 1000, rand).map((e) => ({ ...e, occurredAt: new Date(Date.now() - Math.floor(rand() * 20_000)).toISOString() }));
    const outcomes = await postAll(c, makeBatches(fresh, rand), 4);
    expect(outcomes.every((o) => o.status === "acked")).toBe(true);
    acknowledged.push(...fresh);
    await expectExactly(c, from, acknowledged);

    const t0 = Date.now();
    const exit = await c.sigterm();
    expect(exit, c.output()).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(c.output()).toMatch(/stopped cleanly/);

    const d = await spawnServer({ env: env() });
    try {
      await expectExactly(d, from, acknowledged);
      // Rows the stop left provisional end final once their minute has closed: the restarted owner
      // finalises them without any new event (REST shows the stored flag, not the wall clock).
      const closedBefore = Date.now() - MINUTE - 1000;
      await waitUntil(async () => {
        const rows = await actualRows(d, from);
        return rows.size > 0 && [...rows.values()].every((x) => !x.provisional || Date.parse(x.minute) > closedBefore);
      }, 30_000, "closed minutes left provisional by the stop were not finalised after the restart");
      // Every request retried once more after the restart: all duplicates.
      const retry = await postAll(d, [...batches, fresh], 8);
      for (const o of retry) expect(o).toMatchObject({ status: "acked", accepted: 0 });
      await expectExactly(d, from, acknowledged);
      const exit2 = await d.sigterm();
      expect(exit2.code).toBe(0);
    } finally {
      await d.kill9();
    }
  });
});
