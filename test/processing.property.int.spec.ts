/**
 * Property: whatever the events (several stores and currencies, duplicates re-appended later,
 * out-of-order event times, some beyond the allowed lateness, unreadable records) and wherever the
 * processor crashes (all in-memory state lost, at any batch boundary, also right after a batch whose
 * offset was never committed), replaying from the committed offsets and flushing on revocation
 * leaves rows equal to recomputeWindows(all accepted events). And no commit ever passes an event
 * that is not yet reflected in a stored row (or recorded as late / dead-lettered).
 *
 * The driver plays the consumer: an in-memory partitioned log, positions, committed offsets.
 * Time is a variable; the processor sees it only through deps.now. Append times mostly advance, but
 * some records carry an earlier one (Kafka CreateTime from producers with skewed clocks).
 * A third property injects store failures (before the write, or after it with the ack lost): the
 * driver retries the failed batch as the real consumers do.
 *
 * Reproduce a failure with FC_SEED=<seed> (and FC_PATH=<path>) printed by fast-check; FC_NUM_RUNS scales the runs.
 */
import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Processor } from "../src/actors/processor.ts";
import type { ActorDeps } from "../src/actors/deps.ts";
import { decodeEvent, type SaleEvent } from "../src/domain/event.ts";
import { encodeForLog, encodeLegacyJsonRecord } from "../src/domain/log-record.ts";
import { emptyTotals, mergeTotals } from "../src/domain/minute-row.ts";
import type { PartitionTotalsRow } from "../src/domain/partition-totals.ts";
import { recomputeWindows } from "../src/domain/recompute.ts";
import type { LoggedEvent } from "../src/domain/store-windows.ts";
import { minuteOf } from "../src/domain/time.ts";
import type { WindowingConfig } from "../src/domain/windowing-config.ts";
import { partitionFor } from "../src/event-log/partitioner.ts";
import type { LogConsumer, LogRecord } from "../src/event-log/ports.ts";
import { createMetrics } from "../src/observability/metrics.ts";
import { SqliteProjections } from "../src/projections/embedded/sqlite-projections.ts";
import { MemoryProjections } from "./support/memory-projections.ts";
import type { LateEvents, MinuteProjection } from "../src/projections/ports.ts";

const PARTITIONS = 3;
const STORES = ["store-a", "store-b", "store-c", "store-d", "store-e"];
const CURRENCIES = ["EUR", "USD", "JPY"];
const T0 = Date.UTC(2026, 2, 14, 9, 0, 0);
const ALL_TIME = { from: -8.64e15, to: 8.64e15 };
const RUNS = Number(process.env.FC_NUM_RUNS ?? 1);
function fcParams(numRuns: number): fc.Parameters<unknown> {
  return {
    numRuns: Math.max(1, Math.round(numRuns * RUNS)),
    ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {}),
    ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}),
  };
}

type Op =
  | { kind: "append"; dt: number; store: number; currency: number; refund: boolean; lines: [number, number][]; lagMs: number; clockBehind: number }
  | { kind: "dup"; dt: number; pick: number; clockBehind: number }
  | { kind: "garbage"; dt: number; flavor: "not-json" | "no-version" | "invalid" | "wrong-partition" | "tombstone" }
  | { kind: "poll"; partition: number; max: number }
  | { kind: "sweep"; dt: number }
  | { kind: "crash"; withUncommittedBatch: boolean; partition: number };

const lagArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 20_000 }) }, // near real time, slightly out of order
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 180_000 }) }, // out of order by minutes
  { weight: 1, arbitrary: fc.integer({ min: 180_000, max: 900_000 }) }, // very late
  { weight: 1, arbitrary: fc.integer({ min: -90_000, max: 0 }) }, // in the future
);

/** How far a record's append time lags the log's clock (mostly 0: append times advance). */
const clockBehindArb = fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 120_000 }) });

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant("append" as const),
      dt: fc.integer({ min: 0, max: 15_000 }),
      store: fc.nat({ max: STORES.length - 1 }),
      currency: fc.nat({ max: CURRENCIES.length - 1 }),
      refund: fc.boolean(),
      lines: fc.array(fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 5_000 })), { minLength: 1, maxLength: 3 }),
      lagMs: lagArb,
      clockBehind: clockBehindArb,
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("dup" as const), dt: fc.integer({ min: 0, max: 60_000 }), pick: fc.nat(), clockBehind: clockBehindArb }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("garbage" as const),
      dt: fc.integer({ min: 0, max: 5_000 }),
      flavor: fc.constantFrom("not-json" as const, "no-version" as const, "invalid" as const, "wrong-partition" as const, "tombstone" as const),
    }),
  },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("poll" as const), partition: fc.nat({ max: PARTITIONS - 1 }), max: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("sweep" as const), dt: fc.integer({ min: 0, max: 150_000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("crash" as const), withUncommittedBatch: fc.boolean(), partition: fc.nat({ max: PARTITIONS - 1 }) }) },
);

const cfgArb: fc.Arbitrary<WindowingConfig & { passivateAfterMs: number }> = fc.record({
  graceMs: fc.constantFrom(0, 5_000, 20_000),
  idleSlackMs: fc.constantFrom(0, 10_000, 60_000),
  allowedLatenessMs: fc.constantFrom(0, 30_000, 180_000),
  checkpointMs: fc.constantFrom(1_000, 10_000, 60_000),
  maxFutureSkewMs: fc.constantFrom(0, 30_000),
  passivateAfterMs: fc.constantFrom(0, 30_000, 600_000),
});

interface Projections {
  minutes: MinuteProjection;
  late: LateEvents;
  close(): Promise<void>;
}

type Fault = "ok" | "fail-before" | "fail-after";
class InjectedFault extends Error {}

/**
 * What the processor writes through: checks that no write takes a row backwards (lower offset of the
 * same partition, lower revision; strictly higher revision when acks are never lost), and injects
 * the scripted faults.
 */
function guarded(inner: Projections, violations: string[], faults: readonly Fault[]): { minutes: MinuteProjection; late: LateEvents } {
  let next = 0;
  const fault = () => faults[next++] ?? "ok";
  const strictRevisions = !faults.includes("fail-after");
  async function withFault<T>(op: () => Promise<T>): Promise<T> {
    const f = fault();
    if (f === "fail-before") throw new InjectedFault("injected: store unavailable");
    const r = await op();
    if (f === "fail-after") throw new InjectedFault("injected: write done, ack lost");
    return r;
  }
  const minutes: MinuteProjection = {
    loadRows: (storeId, keys) => withFault(() => inner.minutes.loadRows(storeId, keys)),
    writeRows: (rows) =>
      withFault(async () => {
        for (const r of rows) {
          const [old] = await inner.minutes.loadRows(r.storeId, [{ minute: r.minute, currency: r.currency }]);
          if (!old) continue;
          const what = `${r.storeId} ${new Date(r.minute).toISOString()} ${r.currency}`;
          if (old.partition === r.partition && r.offset < old.offset) violations.push(`write of ${what} goes back from offset ${old.offset} to ${r.offset}`);
          if (strictRevisions ? r.revision <= old.revision : r.revision < old.revision) violations.push(`write of ${what} has revision ${r.revision} after ${old.revision}`);
        }
        await inner.minutes.writeRows(rows);
      }),
    storeRows: (storeId, from, to) => inner.minutes.storeRows(storeId, from, to),
    allRows: (from, to) => inner.minutes.allRows(from, to),
    loadPartitionMinute: (partition, minute) => withFault(() => inner.minutes.loadPartitionMinute(partition, minute)),
    writePartitionTotals: (rows) =>
      withFault(async () => {
        for (const r of rows) {
          const { totals } = await inner.minutes.loadPartitionMinute(r.partition, r.minute);
          const old = totals.find((t) => t.currency === r.currency);
          if (old && r.version < old.version) violations.push(`partition totals ${r.partition} ${new Date(r.minute).toISOString()} ${r.currency}: version ${r.version} after ${old.version}`);
        }
        await inner.minutes.writePartitionTotals(rows);
      }),
    partitionTotals: (from, to) => inner.minutes.partitionTotals(from, to),
    close: async () => {},
  };
  const late: LateEvents = {
    recordLate: (events) => withFault(() => inner.late.recordLate(events)),
    listLate: (opts) => inner.late.listLate(opts),
  };
  return { minutes, late };
}

/** The final bit of a partition aggregate's version. */
const version0 = (t: PartitionTotalsRow) => t.version % 2;

function uuidOf(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
}

/** One scenario: a log, a consumer's positions and commits, and a processor that can crash. */
class Scenario {
  readonly log: LogRecord[][] = Array.from({ length: PARTITIONS }, () => []);
  readonly committed: number[] = Array.from({ length: PARTITIONS }, () => 0);
  readonly position: number[] = Array.from({ length: PARTITIONS }, () => 0);
  /** The events a consumer should accept: readable and on their store's partition. */
  readonly accepted: LoggedEvent[] = [];
  readonly deadLettered = new Set<string>();
  readonly errors: unknown[] = [];
  readonly violations: string[] = [];
  private readonly through: { minutes: MinuteProjection; late: LateEvents };
  now = T0;
  private nextId = 1;
  private processor!: Processor;
  private readonly consumer: LogConsumer;

  constructor(
    private readonly projections: Projections,
    private readonly cfg: WindowingConfig & { passivateAfterMs: number },
    faults: readonly Fault[] = [],
    private readonly idFingerprint?: (id: string) => number,
  ) {
    this.through = guarded(projections, this.violations, faults);
    this.consumer = {
      groupId: "test",
      run: async () => {},
      commit: (partition, offset) => this.commit(partition, offset),
      lag: async () => this.log.map((l, p) => ({ partition: p, end: l.length, committed: this.committed[p]! })),
      stop: async () => {},
    };
  }

  private deps(): ActorDeps {
    return {
      minutes: this.through.minutes,
      late: this.through.late,
      ticks: { publish() {} },
      deadLetters: {
        deadLetter: async (rec) => {
          this.deadLettered.add(`${rec.partition}:${rec.offset}`);
        },
      },
      metrics: createMetrics(),
      windowing: this.cfg,
      partitions: PARTITIONS,
      passivateAfterMs: this.cfg.passivateAfterMs,
      askTimeoutMs: 10_000,
      now: () => this.now,
      onError: (e) => this.errors.push(e),
      ...(this.idFingerprint ? { idFingerprint: this.idFingerprint } : {}),
    };
  }

  async start(): Promise<void> {
    this.processor = new Processor(this.deps(), () => this.consumer, (e) => this.errors.push(e));
    await this.processor.assigned(Array.from({ length: PARTITIONS }, (_, p) => p));
    for (let p = 0; p < PARTITIONS; p++) this.position[p] = this.committed[p]!;
  }

  private append(partition: number, key: string | null, value: string | null, appendTime = this.now): number {
    const offset = this.log[partition]!.length;
    this.log[partition]!.push({ partition, offset, key, value, appendTime });
    return offset;
  }

  private newEvent(op: Extract<Op, { kind: "append" }>): SaleEvent {
    const r = decodeEvent({
      eventId: uuidOf(this.nextId++),
      storeId: STORES[op.store],
      occurredAt: new Date(this.now - op.lagMs).toISOString(),
      type: op.refund ? "refund" : "sale",
      currency: CURRENCIES[op.currency],
      lines: op.lines.map(([quantity, unitPriceMinor], i) => ({ sku: `sku-${i}`, quantity, unitPriceMinor })),
    });
    if (!r.ok) throw new Error(`generator produced an invalid event: ${JSON.stringify(r.issues)}`);
    return r.event;
  }

  private appendEvent(event: SaleEvent, clockBehind: number): void {
    const partition = partitionFor(event.storeId, PARTITIONS);
    const appendTime = this.now - clockBehind;
    // A log written across the record format change: one record in four is in the JSON format of before.
    const value = this.accepted.length % 4 === 3 ? encodeLegacyJsonRecord(event) : encodeForLog(event);
    const offset = this.append(partition, event.storeId, value, appendTime);
    this.accepted.push({ partition, offset, appendTime, event });
  }

  /**
   * Reads up to `max` records from the position and hands them over; commits unless told to forget.
   * A failed batch is handed over again, as the consumers do (its position does not advance).
   */
  private async poll(partition: number, max: number, commit = true): Promise<void> {
    const from = this.position[partition]!;
    const records = this.log[partition]!.slice(from, from + max);
    if (records.length === 0) return;
    let safe: number;
    for (let attempt = 0; ; attempt++) {
      try {
        safe = await this.processor.batch(partition, records);
        break;
      } catch (err) {
        if (!String(err).includes("injected") || attempt > 1000) throw err;
      }
    }
    this.position[partition] = from + records.length;
    if (commit) await this.commit(partition, safe);
  }

  async commit(partition: number, offset: number): Promise<void> {
    await this.checkCommit(partition, offset);
    if (offset > this.committed[partition]!) this.committed[partition] = offset;
  }

  /** Every record below the commit must be reflected: in its window's stored row, as a late record, or dead-lettered. */
  private async checkCommit(partition: number, offset: number): Promise<void> {
    if (offset > this.log[partition]!.length) this.violations.push(`commit ${partition}@${offset} is past the log end ${this.log[partition]!.length}`);
    const late = new Set((await this.projections.late.listLate({ ...ALL_TIME, limit: 1_000_000 })).map((l) => `${l.partition}:${l.offset}`));
    const accepted = new Map(this.accepted.filter((a) => a.partition === partition).map((a) => [a.offset, a]));
    for (let o = 0; o < Math.min(offset, this.log[partition]!.length); o++) {
      const key = `${partition}:${o}`;
      if (this.deadLettered.has(key) || late.has(key)) continue;
      const a = accepted.get(o);
      if (!a) {
        this.violations.push(`commit ${partition}@${offset}: unreadable record ${o} was neither dead-lettered nor held back`);
        continue;
      }
      const [row] = await this.projections.minutes.loadRows(a.event.storeId, [{ minute: minuteOf(a.event.occurredAtMs), currency: a.event.currency }]);
      if (!row?.eventIds.includes(a.event.eventId)) {
        this.violations.push(`commit ${partition}@${offset} passes offset ${o} (event ${a.event.eventId}) which no stored row reflects`);
      }
    }
  }

  async run(op: Op): Promise<void> {
    switch (op.kind) {
      case "append":
        this.now += op.dt;
        this.appendEvent(this.newEvent(op), op.clockBehind);
        return;
      case "dup": {
        this.now += op.dt;
        if (this.accepted.length === 0) return;
        this.appendEvent(this.accepted[op.pick % this.accepted.length]!.event, op.clockBehind);
        return;
      }
      case "garbage": {
        this.now += op.dt;
        const p = op.dt % PARTITIONS;
        if (op.flavor === "not-json") this.append(p, "x", "{not json");
        else if (op.flavor === "tombstone") this.append(p, "x", null);
        else if (op.flavor === "no-version") this.append(p, "x", JSON.stringify({ eventId: uuidOf(this.nextId++), storeId: "store-a" }));
        else if (op.flavor === "invalid") this.append(p, "x", JSON.stringify({ schemaVersion: 1, eventId: uuidOf(this.nextId++), storeId: "store-a", currency: "eur" }));
        else {
          const e = this.newEvent({ kind: "append", dt: 0, store: op.dt % STORES.length, currency: 0, refund: false, lines: [[1, 100]], lagMs: 0, clockBehind: 0 });
          this.append((partitionFor(e.storeId, PARTITIONS) + 1) % PARTITIONS, e.storeId, encodeForLog(e));
        }
        return;
      }
      case "poll":
        await this.poll(op.partition, op.max);
        return;
      case "sweep":
        this.now += op.dt;
        await this.processor.sweep();
        return;
      case "crash":
        if (op.withUncommittedBatch) await this.poll(op.partition, 3, false);
        await this.processor.stop(); // no revocation: everything in memory is lost
        await this.start();
        return;
    }
  }

  /**
   * Catch up on every partition, then revoke (shutdown): flush and commit. A revocation whose flush
   * failed commits nothing for that partition; the next member then replays it (here: a restart).
   */
  async finish(): Promise<void> {
    for (let round = 0; ; round++) {
      for (let p = 0; p < PARTITIONS; p++) while (this.position[p]! < this.log[p]!.length) await this.poll(p, 5);
      const safe = await this.processor.revoked(Array.from({ length: PARTITIONS }, (_, p) => p));
      for (const [p, o] of safe) await this.commit(p, o);
      await this.processor.stop();
      if (this.committed.every((c, p) => c === this.log[p]!.length) || round > 1000) return;
      await this.start();
    }
  }
}

async function checkScenario(
  makeProjections: () => Projections,
  cfg: WindowingConfig & { passivateAfterMs: number },
  ops: Op[],
  faults: Fault[] = [],
  idFingerprint?: (id: string) => number,
): Promise<void> {
  const projections = makeProjections();
  try {
    const sc = new Scenario(projections, cfg, faults, idFingerprint);
    await sc.start();
    for (const op of ops) await sc.run(op);
    await sc.finish();

    expect(sc.errors.filter((e) => !String(e).includes("injected"))).toEqual([]);
    expect(sc.violations).toEqual([]);
    // After the final flush every record is behind the commit.
    expect(sc.committed).toEqual(sc.log.map((l) => l.length));

    const expected = recomputeWindows(sc.accepted, cfg);
    const all = await projections.minutes.allRows(ALL_TIME.from, ALL_TIME.to);
    expect(all.length).toBe(expected.windows.length);
    for (const w of expected.windows) {
      const [row] = await projections.minutes.loadRows(w.storeId, [{ minute: w.minute, currency: w.currency }]);
      expect(row, `row ${w.storeId} ${new Date(w.minute).toISOString()} ${w.currency}`).toBeDefined();
      const { storeId, minute, currency, saleCount, refundCount, grossMinor, refundMinor, itemCount, firstEventAt, lastEventAt, partition, offset } = row!;
      expect({ storeId, minute, currency, saleCount, refundCount, grossMinor, refundMinor, itemCount, firstEventAt, lastEventAt, partition, offset }).toEqual({
        storeId: w.storeId,
        minute: w.minute,
        currency: w.currency,
        ...w.totals,
        partition: w.partition,
        offset: w.offset,
      });
      expect([...row!.eventIds].sort()).toEqual([...w.eventIds].sort());
    }
    // The partition aggregates equal the recomputation summed per (partition, minute, currency), and
    // their version's offset part is 2 · Σ (offset + 1). The final bit (+1) may lag, as the rows'
    // provisional flag does (a crash right after a closing write, with nothing left to replay): the
    // read side judges finality by the wall clock. But an aggregate never claims final over a provisional row.
    const finalByKey = new Map<string, boolean>();
    for (const r of all) {
      const k = `${r.partition}|${r.minute}|${r.currency}`;
      finalByKey.set(k, (finalByKey.get(k) ?? true) && !r.provisional);
    }
    const expectedTotals = new Map<string, Omit<PartitionTotalsRow, "provisional" | "version"> & { offsets: number }>();
    for (const w of expected.windows) {
      const k = `${w.partition}|${w.minute}|${w.currency}`;
      let t = expectedTotals.get(k);
      if (!t) expectedTotals.set(k, (t = { partition: w.partition, minute: w.minute, currency: w.currency, ...emptyTotals(), offsets: 0 }));
      mergeTotals(t, w.totals);
      t.offsets += w.offset + 1;
    }
    const storedTotals = await projections.minutes.partitionTotals(ALL_TIME.from, ALL_TIME.to);
    const sortKey = (a: { partition: number; minute: number; currency: string }, b: { partition: number; minute: number; currency: string }) =>
      a.partition - b.partition || a.minute - b.minute || (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0);
    expect([...storedTotals].sort(sortKey).map(({ provisional: _p, version, ...t }) => ({ ...t, offsets: Math.floor(version / 2) }))).toEqual(
      [...expectedTotals.values()].sort(sortKey),
    );
    for (const t of storedTotals) {
      const allFinal = finalByKey.get(`${t.partition}|${t.minute}|${t.currency}`);
      expect(t.provisional, `partition totals ${t.partition} ${new Date(t.minute).toISOString()} ${t.currency}`).toBe(version0(t) === 0);
      if (!t.provisional) expect(allFinal).toBe(true);
    }
    const late = await projections.late.listLate({ ...ALL_TIME, limit: 1_000_000 });
    expect(late.map((l) => `${l.partition}:${l.offset}`).sort()).toEqual(expected.late.map((l) => `${l.partition}:${l.offset}`).sort());
    const unreadable = sc.log.flat().filter((r) => !sc.accepted.some((a) => a.partition === r.partition && a.offset === r.offset));
    expect([...sc.deadLettered].sort()).toEqual(unreadable.map((r) => `${r.partition}:${r.offset}`).sort());
  } finally {
    await projections.close();
  }
}

const memoryProjections = (): Projections => {
  const m = new MemoryProjections();
  return { minutes: m, late: m, close: () => m.close() };
};

const sqliteProjections = (): Projections => {
  const dir = mkdtempSync(join(tmpdir(), "intraday-prop-"));
  const s = new SqliteProjections(dir);
  return {
    minutes: s.minutes,
    late: s.late,
    async close() {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

const opsArb = fc.array(opArb, { minLength: 10, maxLength: 120, size: "max" });

describe("processing through the real Processor: crash anywhere, replay from the committed offset, rows = recomputation", () => {
  it("with the in-memory projections", async () => {
    await fc.assert(
      fc.asyncProperty(cfgArb, opsArb, (cfg, ops) => checkScenario(memoryProjections, cfg, ops)),
      fcParams(100),
    );
  });

  it("with the embedded SQLite projections", async () => {
    await fc.assert(
      fc.asyncProperty(cfgArb, opsArb, (cfg, ops) => checkScenario(sqliteProjections, cfg, ops)),
      fcParams(40),
    );
  });

  it("with store failures (before a write, or after it with the ack lost) and retried batches", async () => {
    const faultsArb = fc.array(fc.constantFrom<Fault>("ok", "ok", "ok", "ok", "fail-before", "fail-after"), { maxLength: 60 });
    await fc.assert(
      fc.asyncProperty(cfgArb, opsArb, faultsArb, (cfg, ops, faults) => checkScenario(memoryProjections, cfg, ops, faults)),
      fcParams(100),
    );
  });

  it("with event-id fingerprints that collide (every match is settled by reading the stored ids), store failures and retried batches", async () => {
    const faultsArb = fc.array(fc.constantFrom<Fault>("ok", "ok", "ok", "ok", "fail-before", "fail-after"), { maxLength: 60 });
    const fourBuckets = (id: string) => id.charCodeAt(id.length - 1) & 3;
    await fc.assert(
      fc.asyncProperty(cfgArb, opsArb, faultsArb, (cfg, ops, faults) => checkScenario(memoryProjections, cfg, ops, faults, fourBuckets)),
      fcParams(100),
    );
  });

  it("a scripted case: a late record followed, in the same window, by an on-time one (earlier append time), when recording the late one fails", async () => {
    const cfg = { graceMs: 0, idleSlackMs: 0, allowedLatenessMs: 0, checkpointMs: 60_000, maxFutureSkewMs: 0, passivateAfterMs: 600_000 };
    const p = partitionFor(STORES[0]!, PARTITIONS);
    const lines: [number, number][] = [[1, 100]];
    await checkScenario(
      memoryProjections,
      cfg,
      [
        // T0 + 1 s, event time T0 − 119 s: its window ended at T0 − 60 s, so it is late.
        { kind: "append", dt: 1_000, store: 0, currency: 0, refund: false, lines, lagMs: 120_000, clockBehind: 0 },
        // Same window, but appended by a producer whose clock is 62 s behind: on time.
        { kind: "append", dt: 0, store: 0, currency: 0, refund: false, lines, lagMs: 120_000, clockBehind: 62_000 },
        { kind: "poll", partition: p, max: 2 },
      ],
      ["ok", "fail-before"], // loadRows succeeds, recordLate fails: the batch is retried
    );
  });

  it("a scripted case: a crash with unflushed windows and an uncommitted batch still counts each event once", async () => {
    const cfg = { graceMs: 5_000, idleSlackMs: 10_000, allowedLatenessMs: 30_000, checkpointMs: 60_000, maxFutureSkewMs: 0, passivateAfterMs: 600_000 };
    const sale = (store: number, lagMs: number): Op => ({ kind: "append", dt: 1_000, store, currency: 0, refund: false, lines: [[2, 150]], lagMs, clockBehind: 0 });
    const p = partitionFor(STORES[0]!, PARTITIONS);
    await checkScenario(memoryProjections, cfg, [
      sale(0, 0),
      sale(0, 0),
      { kind: "poll", partition: p, max: 1 },
      { kind: "dup", dt: 1_000, pick: 0, clockBehind: 0 },
      sale(0, 200_000), // beyond lateness
      { kind: "crash", withUncommittedBatch: true, partition: p },
      { kind: "sweep", dt: 90_000 },
      sale(0, 0),
      { kind: "crash", withUncommittedBatch: false, partition: p },
    ]);
  });
});
