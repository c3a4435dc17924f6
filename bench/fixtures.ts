/** Event fixtures for the bench: pre-encoded log records and cheap per-request HTTP bodies. */
import { randomUUID } from "node:crypto";
import { decodeEvent } from "../src/domain/event.ts";
import { decodeLogRecord, encodeForLog } from "../src/domain/log-record.ts";
import type { LoggedEvent } from "../src/domain/store-windows.ts";
import { partitionFor } from "../src/event-log/partitioner.ts";
import type { LogRecord } from "../src/event-log/ports.ts";
import { makeStores, rng, TrafficGenerator, type Store } from "../scripts/sim/traffic.ts";

export const BENCH_PARTITIONS = 6;

/**
 * Log records as the embedded log holds them (encodeForLog of validated events), produced by the
 * simulator's traffic model on a virtual clock: `eventsPerSecond` of event time, 8% out of order,
 * 1% late, 5% refunds, no duplicates (ingest dedupes before the log). Per partition, in offset order.
 */
export function logRecords(opts: { events: number; stores: number; eventsPerSecond: number; start: number; seed?: number }): {
  byPartition: LogRecord[][];
  end: number;
} {
  let clock = opts.start;
  const stores = makeStores(opts.stores);
  const gen = new TrafficGenerator(stores, { refunds: 0.05, outOfOrder: 0.08, late: 0.01, duplicates: 0, invalid: 0 }, rng(opts.seed ?? 42), () => clock);
  const byPartition: LogRecord[][] = Array.from({ length: BENCH_PARTITIONS }, () => []);
  const step = 1000 / opts.eventsPerSecond;
  for (let i = 0; i < opts.events; i++) {
    clock = opts.start + i * step;
    const g = gen.next();
    const d = decodeEvent(JSON.parse(g.json));
    if (!d.ok) throw new Error(`fixture event invalid: ${JSON.stringify(d.issues)}`);
    const p = partitionFor(d.event.storeId, BENCH_PARTITIONS);
    const list = byPartition[p]!;
    // Through bytes, as a consumer gets it from the log: a flat string, not the encoder's concatenation.
    const value = Buffer.from(encodeForLog(d.event)).toString();
    list.push({ partition: p, offset: list.length, key: d.event.storeId, value, appendTime: Math.round(clock) });
  }
  return { byPartition, end: clock };
}

/** The same traffic as `logRecords`, decoded as a consumer decodes it, partitions one after another. */
export function loggedEvents(opts: Parameters<typeof logRecords>[0]): LoggedEvent[] {
  return logRecords(opts).byPartition.flat().map((r) => {
    const d = decodeLogRecord(r.value ?? "");
    if (!d.ok) throw new Error(`fixture record does not decode: ${d.reason}`);
    return { partition: r.partition, offset: r.offset, appendTime: r.appendTime, event: d.event };
  });
}

let v7Sequence = 0;
/** A version-7 UUID (RFC 9562): 48 bits of milliseconds, then a 12-bit sequence, then random bits, so later ids sort later. */
export function uuidV7(): string {
  const hex = Date.now().toString(16).padStart(12, "0") + (v7Sequence++ & 0xfff).toString(16).padStart(3, "0") + randomUUID().replace(/-/g, "").slice(0, 16);
  const variant = ((parseInt(hex[15]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${hex.slice(12, 15)}-${variant}${hex.slice(16, 19)}-${hex.slice(19, 31)}`;
}

/** New event ids as clients make them: random (`v4`, the common case) or time-ordered (`v7`). */
export function eventIds(version: string | undefined): () => string {
  if (version === "v7") return uuidV7;
  if (version === undefined || version === "v4") return randomUUID;
  throw new Error(`--ids must be v4 or v7, not ${version}`);
}

/** Interleaves partitions as the embedded consumer reads them: up to `maxBatch` records of each partition in turn. */
/** The embedded consumer's turns: one batch of ≤ maxBatch per partition with records, handled concurrently. */
export function consumerTurns(byPartition: LogRecord[][], maxBatch: number): LogRecord[][][] {
  const out: LogRecord[][][] = [];
  for (let i = 0; ; i += maxBatch) {
    const turn = byPartition.map((list) => list.slice(i, i + maxBatch)).filter((b) => b.length > 0);
    if (turn.length === 0) return out;
    out.push(turn);
  }
}

export function consumerOrder(byPartition: LogRecord[][], maxBatch: number): LogRecord[][] {
  const out: LogRecord[][] = [];
  const pos = byPartition.map(() => 0);
  for (;;) {
    let any = false;
    for (let p = 0; p < byPartition.length; p++) {
      const list = byPartition[p]!;
      if (pos[p]! >= list.length) continue;
      out.push(list.slice(pos[p]!, pos[p]! + maxBatch));
      pos[p]! += maxBatch;
      any = true;
    }
    if (!any) return out;
  }
}

/**
 * HTTP bodies for autocannon, built per request from a template (cheap: a counter-based UUID and a
 * cached timestamp), so every POST carries new event ids and the server does the full work.
 * ≈ 250 bytes per event, two lines, like the costs in PERF.md.
 */
export class BodyFactory {
  private n = 0;
  private iso = "";
  private isoAt = 0;
  private readonly prefix: string;
  private readonly stores: Store[];

  constructor(storeCount: number) {
    this.prefix = Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, "0");
    this.stores = makeStores(storeCount);
  }

  private now(): string {
    const t = Date.now();
    if (t - this.isoAt >= 50) {
      this.iso = new Date(t).toISOString();
      this.isoAt = t;
    }
    return this.iso;
  }

  event(): string {
    const i = this.n++;
    const s = this.stores[i % this.stores.length]!;
    const a = s.catalogue[i % s.catalogue.length]!;
    const b = s.catalogue[(i * 7 + 3) % s.catalogue.length]!;
    const q = 1 + (i % 3);
    const id = `${this.prefix}-${((i >>> 16) & 0xffff).toString(16).padStart(4, "0")}-4${(i & 0xfff).toString(16).padStart(3, "0")}-8000-${i.toString(16).padStart(12, "0")}`;
    return (
      `{"eventId":"${id}","storeId":"${s.storeId}","occurredAt":"${this.now()}","type":"${i % 20 === 0 ? "refund" : "sale"}","currency":"${s.currency}",` +
      `"lines":[{"sku":"${a.sku}","quantity":${q},"unitPriceMinor":${a.unitPriceMinor}},{"sku":"${b.sku}","quantity":1,"unitPriceMinor":${b.unitPriceMinor}}],` +
      `"totalMinor":${q * a.unitPriceMinor + b.unitPriceMinor}}`
    );
  }

  batch(n: number): string {
    const parts: string[] = new Array(n);
    for (let i = 0; i < n; i++) parts[i] = this.event();
    return `[${parts.join(",")}]`;
  }
}
