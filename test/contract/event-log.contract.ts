import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SaleEvent } from "../../src/domain/event.ts";
import { decodeLogRecord } from "../../src/domain/log-record.ts";
import { partitionFor } from "../../src/event-log/partitioner.ts";
import type { DeadLetterSink, IngestLog, LogConsumer, LogRecord, PartitionHandler } from "../../src/event-log/ports.ts";
import { waitFor } from "../support/embedded-app.ts";

/** What an event log adapter under test provides, over the log ports only. */
export interface EventLogUnderTest {
  log: IngestLog;
  /** A new consumer group member (a fresh one per call; the same groupId resumes from its commits). */
  consumer(groupId: string): LogConsumer;
  deadLetters: DeadLetterSink;
  /** Dead letters as the adapter keeps them (Kafka: the `.dlq` topic's headers). */
  readDeadLetters(): Promise<{ partition: number; offset: number; reason: string }[]>;
  /** Appends a raw record as another producer would (no validation, no dedupe). */
  appendRaw(key: string, value: string | null, partition: number): Promise<void>;
  close(): Promise<void>;
}

function event(storeId: string, over: Partial<SaleEvent> = {}): SaleEvent {
  const occurredAt = new Date().toISOString();
  return {
    eventId: randomUUID(),
    storeId,
    occurredAt,
    occurredAtMs: Date.parse(occurredAt),
    type: "sale",
    currency: "EUR",
    lines: [{ sku: "a", quantity: 1, unitPriceMinor: 100 }],
    totalMinor: 100,
    itemCount: 1,
    ...over,
  };
}

/** A handler that records every batch and answers "everything handled" (or fails the first `failures` batches). */
function recorder(failures = 0) {
  const records: LogRecord[] = [];
  let failing = failures;
  const handler: PartitionHandler = {
    async assigned() {},
    async revoked() {
      return new Map();
    },
    async batch(_p, batch) {
      if (failing > 0) {
        failing--;
        throw Object.assign(new Error("store unavailable"), { code: "ECONNREFUSED" });
      }
      records.push(...batch);
      return batch[batch.length - 1]!.offset + 1;
    },
  };
  return { handler, records };
}

/**
 * The contract of the event log (SQLite log, Kafka): append with dedupe and conflicts, delivery by
 * partition in offset order, commits a new member resumes from, lag, retry of a failed batch, dead
 * letters. Each test uses its own store ids and consumer groups; the log may hold other data.
 */
export function eventLogContract(name: string, open: () => Promise<EventLogUnderTest>, timeoutMs = 30_000): void {
  describe(`event log contract: ${name}`, () => {
    let t: EventLogUnderTest;
    const stopList: LogConsumer[] = [];
    beforeAll(async () => {
      t = await open();
    });
    afterAll(async () => {
      for (const c of stopList) await c.stop().catch(() => undefined);
      await t?.close();
    });
    const start = async (groupId: string, handler: PartitionHandler) => {
      const c = t.consumer(groupId);
      stopList.push(c);
      await c.run(handler);
      return c;
    };
    const mine = (records: LogRecord[], ids: Set<string>) =>
      records.flatMap((r) => {
        const d = decodeLogRecord(r.value);
        return d.ok && ids.has(d.event.eventId) ? [{ record: r, event: d.event }] : [];
      });

    it("appends new events once, keyed and partitioned by store, in offset order per partition", async () => {
      const stores = [`s-${randomUUID().slice(0, 6)}`, `s-${randomUUID().slice(0, 6)}`];
      const events = Array.from({ length: 10 }, (_, i) => event(stores[i % 2]!));
      expect(await t.log.appendNew(events)).toEqual({ accepted: 10, duplicates: 0, conflicts: [] });
      expect(await t.log.appendNew([events[0]!, events[1]!])).toEqual({ accepted: 0, duplicates: 2, conflicts: [] });
      const { handler, records } = recorder();
      const c = await start(`g-${randomUUID()}`, handler);
      const ids = new Set(events.map((e) => e.eventId));
      const got = await waitFor(async () => {
        const m = mine(records, ids);
        return m.length >= 10 ? m : null;
      }, timeoutMs);
      expect(got).toHaveLength(10);
      for (const { record, event: e } of got) {
        expect(record.key).toBe(e.storeId);
        expect(record.partition).toBe(partitionFor(e.storeId, t.log.partitions));
        expect(Math.abs(record.appendTime - Date.now())).toBeLessThan(120_000);
      }
      for (const store of stores) {
        const offsets = got.filter((g) => g.event.storeId === store).map((g) => g.record.offset);
        expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
        expect(got.filter((g) => g.event.storeId === store).map((g) => g.event.eventId)).toEqual(events.filter((e) => e.storeId === store).map((e) => e.eventId));
      }
      await c.stop();
    });

    it("refuses a request with an event id taken with another payload, appending nothing of it", async () => {
      const store = `s-${randomUUID().slice(0, 6)}`;
      const e = event(store);
      await t.log.appendNew([e]);
      const fresh = event(store);
      expect(await t.log.appendNew([fresh, { ...e, currency: "USD" }])).toEqual({ accepted: 0, duplicates: 0, conflicts: [1] });
      expect(await t.log.appendNew([fresh])).toEqual({ accepted: 1, duplicates: 0, conflicts: [] });
    });

    it("a member of a group resumes from the group's commits; lag shows end and committed", async () => {
      const store = `s-${randomUUID().slice(0, 6)}`;
      const p = partitionFor(store, t.log.partitions);
      const group = `g-${randomUUID()}`;
      const first = [event(store), event(store)];
      await t.log.appendNew(first);
      const a = recorder();
      const c1 = await start(group, a.handler);
      await waitFor(async () => mine(a.records, new Set(first.map((e) => e.eventId))).length === 2, timeoutMs);
      const lag = await waitFor(async () => {
        const l = (await c1.lag()).find((x) => x.partition === p);
        return l && l.committed === l.end ? l : null;
      }, timeoutMs);
      expect(lag.end).toBeGreaterThan(0);
      await c1.stop();

      const second = [event(store)];
      await t.log.appendNew(second);
      const b = recorder();
      const c2 = await start(group, b.handler);
      await waitFor(async () => mine(b.records, new Set(second.map((e) => e.eventId))).length === 1, timeoutMs);
      expect(mine(b.records, new Set(first.map((e) => e.eventId)))).toEqual([]);
      await c2.stop();
    });

    it("a batch whose handler fails is handed over again, nothing skipped", async () => {
      const store = `s-${randomUUID().slice(0, 6)}`;
      const events = [event(store), event(store), event(store)];
      await t.log.appendNew(events);
      const r = recorder(2);
      const c = await start(`g-${randomUUID()}`, r.handler);
      const got = await waitFor(async () => {
        const m = mine(r.records, new Set(events.map((e) => e.eventId)));
        return m.length >= 3 ? m : null;
      }, timeoutMs);
      expect(got.map((g) => g.event.eventId)).toEqual(events.map((e) => e.eventId));
      await c.stop();
    });

    it("keeps dead letters with their reason and origin", async () => {
      const store = `s-${randomUUID().slice(0, 6)}`;
      const p = partitionFor(store, t.log.partitions);
      await t.appendRaw(store, "{not json", p);
      const { handler, records } = recorder();
      const c = await start(`g-${randomUUID()}`, handler);
      const rec = await waitFor(async () => records.find((r) => r.key === store), timeoutMs);
      await c.stop();
      const reason = `contract ${randomUUID()}`;
      await t.deadLetters.deadLetter(rec, reason);
      const dead = await waitFor(async () => (await t.readDeadLetters()).find((d) => d.reason === reason), timeoutMs);
      expect(dead).toEqual({ partition: rec.partition, offset: rec.offset, reason });
    });
  });
}
