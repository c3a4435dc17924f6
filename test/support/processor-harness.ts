import type { ActorDeps } from "../../src/actors/deps.ts";
import { Processor } from "../../src/actors/processor.ts";
import { loadSettings, windowingOf } from "../../src/config/settings.ts";
import { decodeEvent } from "../../src/domain/event.ts";
import { encodeForLog } from "../../src/domain/log-record.ts";
import type { LogConsumer, LogRecord } from "../../src/event-log/ports.ts";
import type { LiveTick } from "../../src/live/ports.ts";
import { createMetrics, type Metrics } from "../../src/observability/metrics.ts";
import type { MemoryProjections } from "./memory-projections.ts";

/**
 * A `Processor` over memory projections, driven by hand: the test hands it batches, sweeps and
 * rebalances itself, and owns the clock. The consumer stands in for the log's group membership.
 */
export interface HarnessOptions {
  store: MemoryProjections;
  now: () => number;
  partitions?: number;
  /** INTRADAY_* settings the windowing is read from. */
  settings?: Record<string, string>;
  /** Committed offsets by partition; commits raise them, and lag reports them (the log end is 0: caught up). */
  committed?: Map<number, number>;
  onTicks?: (batch: readonly LiveTick[]) => void;
  /** The minute projection the actors use (default: `store`). */
  minutes?: ActorDeps["minutes"];
  slowAsks?: ActorDeps["slowAsks"];
  /** Where the actors report failures they get past (default: the throttled log). */
  onError?: ActorDeps["onError"];
  sweepTurnStores?: number;
}

export function processorOver(o: HarnessOptions): { processor: Processor; metrics: Metrics } {
  const partitions = o.partitions ?? 1;
  const committed = o.committed ?? new Map<number, number>();
  const consumer = {
    groupId: "g",
    run: async () => {},
    commit: async (partition: number, offset: number) => void committed.set(partition, Math.max(committed.get(partition) ?? 0, offset)),
    lag: async () => Array.from({ length: partitions }, (_, partition) => ({ partition, end: 0, committed: committed.get(partition) ?? 0 })),
    stop: async () => {},
  } as unknown as LogConsumer;
  const metrics = createMetrics();
  const deps: ActorDeps = {
    minutes: o.minutes ?? o.store,
    late: o.store,
    ticks: { publish: (batch: readonly LiveTick[]) => o.onTicks?.(batch) },
    deadLetters: { deadLetter: async () => {} },
    metrics,
    windowing: windowingOf(loadSettings(Object.fromEntries(Object.entries(o.settings ?? {}).map(([k, v]) => [`INTRADAY_${k}`, v])))),
    partitions,
    passivateAfterMs: 60_000,
    askTimeoutMs: 10_000,
    now: o.now,
    ...(o.slowAsks ? { slowAsks: o.slowAsks } : {}),
    ...(o.onError ? { onError: o.onError } : {}),
    ...(o.sweepTurnStores ? { sweepTurnStores: o.sweepTurnStores } : {}),
  };
  return { processor: new Processor(deps, () => consumer, () => undefined), metrics };
}

/** A one-line EUR sale as the log holds it, its event id made from its offset. */
export function saleRecord(r: { partition: number; offset: number; storeId: string; occurredAt: number; appendTime: number; totalMinor?: number }): LogRecord {
  const decoded = decodeEvent({
    eventId: `00000000-0000-4000-8000-${String(r.offset).padStart(12, "0")}`,
    storeId: r.storeId,
    occurredAt: new Date(r.occurredAt).toISOString(),
    type: "sale",
    currency: "EUR",
    lines: [{ sku: "a", quantity: 1, unitPriceMinor: r.totalMinor ?? 100 }],
  });
  if (!decoded.ok) throw new Error(`bad test event: ${JSON.stringify(decoded)}`);
  return { partition: r.partition, offset: r.offset, key: r.storeId, value: encodeForLog(decoded.event), appendTime: r.appendTime };
}
