import { describe, expect, it } from "vitest";
import type { ActorDeps } from "../../src/actors/deps.ts";
import { Processor } from "../../src/actors/processor.ts";
import { loadSettings, windowingOf } from "../../src/config/settings.ts";
import { decodeEvent } from "../../src/domain/event.ts";
import { encodeForLog } from "../../src/domain/log-record.ts";
import type { LogConsumer, LogRecord } from "../../src/event-log/ports.ts";
import { createMetrics } from "../../src/observability/metrics.ts";
import { MemoryProjections } from "../support/memory-projections.ts";

/**
 * Two members hand one partition back and forth over one store (as a rebalance does). Found by the
 * chaos run: a batch fetched before a revocation, applied anyway, left windows in the old member's
 * actor; when the partition came back, they were reused under the other member's newer rows, which
 * were then overwritten with fewer events.
 */
const MINUTE = 60_000;
const now = Math.floor(Date.now() / MINUTE) * MINUTE + 10_000;
const store = new MemoryProjections();
/** The group's committed offset of partition 0, as the members' consumers would commit it. */
let committed = 0;
const consumer: LogConsumer = {
  groupId: "g",
  run: async () => {},
  commit: async (_p: number, o: number) => void (committed = Math.max(committed, o)),
  lag: async () => [{ partition: 0, end: 0, committed }],
  stop: async () => {},
} as unknown as LogConsumer;

function member(): Processor {
  const deps: ActorDeps = {
    minutes: store,
    late: store,
    ticks: { publish() {} },
    deadLetters: { deadLetter: async () => {} },
    metrics: createMetrics(),
    windowing: windowingOf(loadSettings({})),
    partitions: 1,
    passivateAfterMs: 60_000,
    askTimeoutMs: 10_000,
    now: () => now,
  };
  return new Processor(deps, () => consumer, () => undefined);
}

/** Eight sales of one store in the current minute, at offsets 0–7 of partition 0. */
function logFor(storeId: string): LogRecord[] {
  return Array.from({ length: 8 }, (_, offset) => {
    const r = decodeEvent({ eventId: `00000000-0000-4000-8000-${String(offset).padStart(12, "0")}`, storeId, occurredAt: new Date(now - 1000).toISOString(), type: "sale", currency: "EUR", lines: [{ sku: "a", quantity: 1, unitPriceMinor: 100 }] });
    if (!r.ok) throw new Error("bad event");
    return { partition: 0, offset, key: storeId, value: encodeForLog(r.event), appendTime: now - 500 };
  });
}
const log = logFor("s-1");

describe("a partition handed between members", () => {
  it("refuses a straggler batch after revocation, and a regained partition continues from the other member's rows", async () => {
    const a = member();
    const b = member();
    await a.assigned([0]);
    await a.batch(0, log.slice(0, 3));
    await a.revoked([0]);
    await b.assigned([0]);
    await expect(a.batch(0, log.slice(0, 3)), "a straggler fetched before the rebalance").rejects.toThrow(/not assigned/);
    await b.batch(0, log.slice(3, 6));
    await b.revoked([0]);
    await a.assigned([0]);
    await a.batch(0, log.slice(6, 8));
    await a.revoked([0]);
    const rows = await store.storeRows("s-1", now - 2 * MINUTE, now + MINUTE);
    expect(rows.map((r) => r.saleCount)).toEqual([8]);
    await Promise.all([a.stop(), b.stop()]);
  });

  it("a member dropped from the group for a generation it never saw, still holding the partition, starts again from the other member's rows", async () => {
    committed = 0;
    const other = logFor("s-2");
    const a = member();
    const b = member();
    await a.assigned([0]);
    await a.batch(0, other.slice(0, 3)); // held in memory, not yet written
    // a misses a generation (session timeout): b owns the partition, handles records 0–5 and writes them.
    await b.assigned([0]);
    await b.batch(0, other.slice(0, 6));
    for (const [p, o] of await b.revoked([0])) await consumer.commit(p, o); // b's flush, and its commit (6)
    // a is back and "keeps" the partition; Kafka hands it the records after b's commit.
    await a.batch(0, other.slice(6, 8));
    await a.revoked([0]);
    const rows = await store.storeRows("s-2", now - 2 * MINUTE, now + MINUTE);
    expect(rows.map((r) => r.saleCount)).toEqual([8]);
    await Promise.all([a.stop(), b.stop()]);
  });

  it("a batch that skips ahead while the group's commit is still this member's own (a commit marker's offset) keeps the state", async () => {
    committed = 0;
    const third = logFor("s-3");
    const a = member();
    await a.assigned([0]);
    await a.batch(0, third.slice(0, 3)); // held in memory, not yet written, nothing committed past 0
    await a.batch(0, third.slice(4, 8)); // offset 3 is not a record of ours (say a transaction marker)
    await a.revoked([0]);
    const rows = await store.storeRows("s-3", now - 2 * MINUTE, now + MINUTE);
    expect(rows.map((r) => r.saleCount)).toEqual([7]);
    await a.stop();
  });
});
