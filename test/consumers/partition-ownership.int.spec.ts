import { describe, expect, it } from "vitest";
import type { Processor } from "../../src/actors/processor.ts";
import type { LogRecord } from "../../src/event-log/ports.ts";
import { MemoryProjections } from "../support/memory-projections.ts";
import { processorOver, saleRecord } from "../support/processor-harness.ts";

/**
 * Two members hand one partition back and forth over one store (as a rebalance does). Found by the
 * chaos run: a batch fetched before a revocation, applied anyway, left windows in the old member's
 * actor; when the partition came back, they were reused under the other member's newer rows, which
 * were then overwritten with fewer events.
 */
const MINUTE = 60_000;
const now = Math.floor(Date.now() / MINUTE) * MINUTE + 10_000;
const store = new MemoryProjections();
/** The group's committed offsets, as the members' consumers would commit them. */
const committed = new Map<number, number>();
const member = (): Processor => processorOver({ store, now: () => now, committed }).processor;

/** Eight sales of one store in the current minute, at offsets 0–7 of partition 0. */
const logFor = (storeId: string): LogRecord[] =>
  Array.from({ length: 8 }, (_, offset) => saleRecord({ partition: 0, offset, storeId, occurredAt: now - 1000, appendTime: now - 500 }));
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
    committed.clear();
    const other = logFor("s-2");
    const a = member();
    const b = member();
    await a.assigned([0]);
    await a.batch(0, other.slice(0, 3)); // held in memory, not yet written
    // a misses a generation (session timeout): b owns the partition, handles records 0–5 and writes them.
    await b.assigned([0]);
    await b.batch(0, other.slice(0, 6));
    for (const [p, o] of await b.revoked([0])) committed.set(p, o); // b's flush, and its commit (6)
    // a is back and "keeps" the partition; Kafka hands it the records after b's commit.
    await a.batch(0, other.slice(6, 8));
    await a.revoked([0]);
    const rows = await store.storeRows("s-2", now - 2 * MINUTE, now + MINUTE);
    expect(rows.map((r) => r.saleCount)).toEqual([8]);
    await Promise.all([a.stop(), b.stop()]);
  });

  it("a batch that skips ahead while the group's commit is still this member's own (a commit marker's offset) keeps the state", async () => {
    committed.clear();
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

  it("a sweep asked of a partition's actor just before the partition comes back is answered (nact runs a message on the next turn; a stop in between dropped it)", async () => {
    committed.clear();
    const a = member();
    await a.assigned([0]);
    await a.batch(0, logFor("s-4").slice(0, 3));
    await a.revoked([0]);
    // The sweep dispatches to the actor within this turn's microtasks; the regain runs in the next
    // check phase, before nact's handler of that sweep (queued after this immediate).
    const sweep = a.sweep();
    await new Promise<void>((resolve, reject) => setImmediate(() => a.assigned([0]).then(resolve, reject)));
    const answered = await Promise.race([sweep.then(() => "answered"), new Promise((r) => setTimeout(() => r("no answer within 2 s"), 2000))]);
    expect(answered).toBe("answered");
    await a.batch(0, logFor("s-4").slice(3, 8));
    await a.revoked([0]);
    const rows = await store.storeRows("s-4", now - 2 * MINUTE, now + MINUTE);
    expect(rows.map((r) => r.saleCount)).toEqual([8]);
    await sweep.catch(() => undefined);
    await a.stop();
  });
});
