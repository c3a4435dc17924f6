import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadSettings } from "../../src/config/settings.ts";
import type { LogConsumer, PartitionHandler } from "../../src/event-log/ports.ts";
import { embeddedAdapters } from "../../src/runtime/embedded-adapters.ts";
import { createRuntime, type Runtime } from "../../src/runtime/runtime.ts";
import { saleEvent, waitFor } from "../support/embedded-app.ts";

/**
 * `provisional: false` means the pipeline processed every record that could belong to the minute
 * and wrote the row final: never the wall clock alone (a consumer held behind a backlog keeps its
 * minute provisional), and always in the end (a restarted owner finalises the rows it left open).
 * The clock is injected; the wall-clock sweep is off and the test sweeps the processor itself.
 */

const MINUTE = 60_000;
const GRACE = 1000;
const SLACK = 1000;

/** A consumer whose batches wait while the gate is closed: the window group falls behind a backlog. */
class Gate {
  private waiters: (() => void)[] = [];
  closed = false;
  async pass(): Promise<void> {
    while (this.closed) await new Promise<void>((r) => this.waiters.push(r));
  }
  open(): void {
    this.closed = false;
    for (const w of this.waiters.splice(0)) w();
  }
}

function gated(inner: LogConsumer, gate: Gate): LogConsumer {
  return {
    groupId: inner.groupId,
    run: (h: PartitionHandler) =>
      inner.run({
        assigned: (p) => h.assigned(p),
        revoked: (p) => h.revoked(p),
        batch: async (p, records) => {
          await gate.pass();
          return h.batch(p, records);
        },
      }),
    commit: (p, o) => inner.commit(p, o),
    lag: () => inner.lag(),
    stop: () => inner.stop(),
  };
}

const dirs: string[] = [];
const runtimes: Runtime[] = [];

async function start(dataDir: string, clock: { now: number }, gate = new Gate()): Promise<Runtime> {
  const settings = loadSettings({
    INTRADAY_DATA_DIR: dataDir,
    INTRADAY_LOG_LEVEL: "silent",
    INTRADAY_PARTITIONS: "3",
    INTRADAY_GRACE_MS: String(GRACE),
    INTRADAY_IDLE_SLACK_MS: String(SLACK),
    INTRADAY_CHECKPOINT_MS: "100",
    INTRADAY_SWEEP_INTERVAL_MS: "3600000",
    INTRADAY_ALLOWED_LATENESS_MS: String(10 * MINUTE),
  });
  const now = () => clock.now;
  const adapters = embeddedAdapters(settings, now);
  const runtime = await createRuntime(settings, { ...adapters, windowConsumer: gated(adapters.windowConsumer, gate) }, now);
  await runtime.startProcessing();
  runtimes.push(runtime);
  return runtime;
}

afterEach(async () => {
  for (const r of runtimes.splice(0)) await r.stop().catch(() => undefined);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "intraday-finality-"));
  dirs.push(d);
  return d;
}

type Row = { minute: string; saleCount: number; grossMinor: number; provisional: boolean };

async function get<T>(rt: Runtime, url: string): Promise<T> {
  const r = await rt.app.inject({ method: "GET", url });
  expect(r.statusCode, r.body).toBe(200);
  return r.json<T>();
}

const range = (m: number) => `from=${encodeURIComponent(new Date(m).toISOString())}&to=${encodeURIComponent(new Date(m + MINUTE).toISOString())}`;
const storeMinute = async (rt: Runtime, storeId: string, m: number) => (await get<{ minutes: Row[] }>(rt, `/v1/stores/${storeId}/minutes?${range(m)}`)).minutes[0];
const allMinute = async (rt: Runtime, m: number) => (await get<{ minutes: Row[] }>(rt, `/v1/minutes?${range(m)}`)).minutes[0];

async function post(rt: Runtime, events: object[]): Promise<void> {
  const r = await rt.app.inject({ method: "POST", url: "/v1/sales", payload: events });
  expect(r.statusCode, r.body).toBe(202);
}

describe("final means processed", () => {
  it("given a window consumer held behind a backlog, when the wall clock passes the minute's close, then REST keeps the minute provisional until the backlog is processed, then final", async () => {
    const M = Date.UTC(2026, 10, 30, 9, 0);
    const clock = { now: M + 10_000 };
    const gate = new Gate();
    const rt = await start(tempDir(), clock, gate);
    const storeId = `fin-${randomUUID().slice(0, 8)}`;
    const at = (s: number) => new Date(M + s * 1000).toISOString();
    const line = (price: number) => [{ sku: "x", quantity: 1, unitPriceMinor: price }];

    await post(rt, [saleEvent({ storeId, occurredAt: at(5), lines: line(100) })]);
    await waitFor(async () => (await storeMinute(rt, storeId, M))?.saleCount === 1);
    clock.now += 200;
    await rt.processor.sweep(); // checkpoint: the open minute is stored provisional
    expect((await rt.adapters.minutes.storeRows(storeId, M, M + MINUTE)).map((r) => r.provisional)).toEqual([true]);

    gate.closed = true;
    await post(rt, [saleEvent({ storeId, occurredAt: at(20), lines: line(1000) })]);
    clock.now = M + MINUTE + GRACE + SLACK + 30_000; // the old wall-clock rule would call it final now
    await rt.processor.sweep();
    await rt.processor.sweep();
    expect(await storeMinute(rt, storeId, M)).toMatchObject({ saleCount: 1, grossMinor: 100, provisional: true });
    expect(await allMinute(rt, M)).toMatchObject({ saleCount: 1, provisional: true });
    expect((await rt.adapters.minutes.storeRows(storeId, M, M + MINUTE)).map((r) => r.provisional)).toEqual([true]);

    gate.open();
    const final = await waitFor(async () => {
      await rt.processor.sweep();
      const row = await storeMinute(rt, storeId, M);
      return row && !row.provisional && row;
    });
    expect(final).toMatchObject({ saleCount: 2, grossMinor: 1100, provisional: false });
    expect(await allMinute(rt, M)).toMatchObject({ saleCount: 2, grossMinor: 1100, provisional: false });
  });
});

describe("every row ends final, whoever owns the partition", () => {
  it("given open minutes stored provisional at a graceful stop, when a new process starts with no new events, then it writes every store row and all-stores aggregate final once the minute has closed", async () => {
    const M = Date.UTC(2026, 10, 30, 10, 0);
    const clock = { now: M + 10_000 };
    const dir = tempDir();
    const first = await start(dir, clock);
    const stores = Array.from({ length: 6 }, (_, i) => `adopt-${i}-${randomUUID().slice(0, 6)}`);
    await post(first, stores.map((storeId) => saleEvent({ storeId, occurredAt: new Date(M + 5000).toISOString() })));
    await waitFor(async () => (await allMinute(first, M))?.saleCount === stores.length);
    clock.now += 200;
    await first.processor.sweep();
    await first.stop();
    runtimes.splice(runtimes.indexOf(first), 1);

    clock.now = M + MINUTE + GRACE + SLACK + 5000;
    const second = await start(dir, clock);
    const stored = await second.adapters.minutes.allRows(M, M + MINUTE);
    expect(stored.map((r) => r.provisional)).toEqual(stores.map(() => true)); // what the first process left
    await waitFor(async () => {
      await second.processor.sweep();
      const rows = await second.adapters.minutes.allRows(M, M + MINUTE);
      const totals = await second.adapters.minutes.partitionTotals(M, M + MINUTE);
      return rows.length === stores.length && rows.every((r) => !r.provisional) && totals.length > 0 && totals.every((t) => !t.provisional);
    });
    const totals = await second.adapters.minutes.partitionTotals(M, M + MINUTE);
    expect(totals.reduce((n, t) => n + t.saleCount, 0)).toBe(stores.length);
    expect(await allMinute(second, M)).toMatchObject({ saleCount: stores.length, provisional: false });
  });

  it("given a caught-up partition whose minute has not closed yet, then adopted rows stay provisional until it has", async () => {
    const M = Date.UTC(2026, 10, 30, 11, 0);
    const clock = { now: M + 10_000 };
    const dir = tempDir();
    const first = await start(dir, clock);
    const storeId = `early-${randomUUID().slice(0, 8)}`;
    await post(first, [saleEvent({ storeId, occurredAt: new Date(M + 5000).toISOString() })]);
    await waitFor(async () => (await storeMinute(first, storeId, M))?.saleCount === 1);
    await first.stop();
    runtimes.splice(runtimes.indexOf(first), 1);

    clock.now = M + 30_000;
    const second = await start(dir, clock);
    await second.processor.sweep();
    await second.processor.sweep();
    expect((await second.adapters.minutes.storeRows(storeId, M, M + MINUTE)).map((r) => r.provisional)).toEqual([true]);
    clock.now = M + MINUTE + GRACE + SLACK;
    await waitFor(async () => {
      await second.processor.sweep();
      return (await second.adapters.minutes.storeRows(storeId, M, M + MINUTE)).every((r) => !r.provisional);
    });
  });
});
