import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SaleEvent } from "../../src/domain/event.ts";
import type { MinuteRow } from "../../src/domain/minute-row.ts";
import type { PartitionTotalsRow } from "../../src/domain/partition-totals.ts";
import type { LateEvent, LoggedEvent } from "../../src/domain/store-windows.ts";
import { MINUTE_MS } from "../../src/domain/time.ts";
import type { LateEvents, MinuteProjection, RawHistory } from "../../src/projections/ports.ts";

/** What an adapter under test provides: the three projection ports (often one object) and a way to close it. */
export interface ProjectionsUnderTest {
  minutes: MinuteProjection;
  late: LateEvents;
  history: RawHistory;
  close(): Promise<void>;
}

/**
 * The contract every projection adapter (in-memory, embedded SQLite, Cassandra + PostgreSQL) must keep.
 * It uses only the ports. One instance is opened for the whole suite and may be shared with other data:
 * each test works on its own store ids and its own time range, and only asserts on those (or on deltas).
 */
export function projectionContract(name: string, open: () => Promise<ProjectionsUnderTest>): void {
  describe(`projection contract: ${name}`, () => {
    let p: ProjectionsUnderTest;
    // A random minute-aligned base per suite run, and a disjoint 1000-minute slice per test.
    const suiteBase = (Math.floor(Date.UTC(2001, 0, 1) / MINUTE_MS) + Math.floor(Math.random() * 5_000_000)) * MINUTE_MS;
    let slice = 0;
    const freshRange = () => ({ base: suiteBase + slice++ * 1000 * MINUTE_MS, store: `st-${randomUUID().slice(0, 8)}` });

    beforeAll(async () => {
      p = await open();
    });
    afterAll(async () => {
      await p?.close();
    });

    /** The counts and amounts every row of this suite carries unless a test says otherwise. */
    const measures = (minute: number) => ({ currency: "EUR", saleCount: 2, refundCount: 1, grossMinor: 1500, refundMinor: 200, itemCount: 3, firstEventAt: minute + 1000, lastEventAt: minute + 59_000 });

    function row(over: Partial<MinuteRow> & Pick<MinuteRow, "storeId" | "minute">): MinuteRow {
      return { ...measures(over.minute), partition: 1, offset: 10, revision: 1, provisional: false, eventIds: [randomUUID(), randomUUID(), randomUUID()], ...over };
    }

    const withoutIds = ({ eventIds: _ids, ...rest }: MinuteRow) => rest;
    const sortedIds = (r: MinuteRow | undefined) => [...(r?.eventIds ?? [])].sort();

    describe("minute rows", () => {
      it("given no row, when loading its key, then nothing is returned", async () => {
        const { base, store } = freshRange();
        expect(await p.minutes.loadRows(store, [{ minute: base, currency: "EUR" }])).toEqual([]);
      });

      it("given a written row, when loading it, then every field round-trips, event ids included", async () => {
        const { base, store } = freshRange();
        const r = row({ storeId: store, minute: base, provisional: true });
        await p.minutes.writeRows([r]);
        const [loaded, ...more] = await p.minutes.loadRows(store, [{ minute: base, currency: "EUR" }]);
        expect(more).toEqual([]);
        expect(withoutIds(loaded!)).toEqual(withoutIds(r));
        expect(sortedIds(loaded)).toEqual(sortedIds(r));
      });

      it("given the same row written twice, then there is one row with that content (idempotent upsert)", async () => {
        const { base, store } = freshRange();
        const r = row({ storeId: store, minute: base });
        await p.minutes.writeRows([r]);
        await p.minutes.writeRows([r]);
        await p.minutes.writeRows([r, r]);
        const stored = await p.minutes.storeRows(store, base, base + MINUTE_MS);
        expect(stored.map(withoutIds)).toEqual([withoutIds(r)]);
        const [loaded] = await p.minutes.loadRows(store, [{ minute: base, currency: "EUR" }]);
        expect(sortedIds(loaded)).toEqual(sortedIds(r));
      });

      it("given a row, when a newer version is written, then it replaces the whole row (no increment, no merge of ids)", async () => {
        const { base, store } = freshRange();
        const v1 = row({ storeId: store, minute: base, offset: 10, revision: 1, provisional: true });
        const v2 = row({
          storeId: store,
          minute: base,
          offset: 25,
          revision: 2,
          provisional: false,
          saleCount: 5,
          refundCount: 0,
          grossMinor: 7,
          refundMinor: 0,
          itemCount: 9,
          firstEventAt: base,
          lastEventAt: base + 59_999,
          eventIds: [randomUUID()],
        });
        await p.minutes.writeRows([v1]);
        await p.minutes.writeRows([v2]);
        const [loaded] = await p.minutes.loadRows(store, [{ minute: base, currency: "EUR" }]);
        expect(withoutIds(loaded!)).toEqual(withoutIds(v2));
        expect(sortedIds(loaded)).toEqual(sortedIds(v2));
      });

      it("given a row, when an older version arrives late (a lower offset, or the same offset with a lower revision), then it changes nothing", async () => {
        // A write still in flight when its writer was let go (a crash, a rebalance) can land after its successor's.
        const { base, store } = freshRange();
        const final = row({ storeId: store, minute: base, offset: 20, revision: 3, provisional: false, saleCount: 4 });
        await p.minutes.writeRows([final]);
        await p.minutes.writeRows([row({ storeId: store, minute: base, offset: 20, revision: 2, provisional: true, saleCount: 4 })]);
        await p.minutes.writeRows([row({ storeId: store, minute: base, offset: 15, revision: 9, provisional: true, saleCount: 3 })]);
        const [loaded] = await p.minutes.loadRows(store, [{ minute: base, currency: "EUR" }]);
        expect(withoutIds(loaded!)).toEqual(withoutIds(final));
        expect(sortedIds(loaded)).toEqual(sortedIds(final));
      });

      it("given a row, when it is written again with idsFrom, then only the new ids are appended after the stored ones, in order", async () => {
        const { base, store } = freshRange();
        const first = [randomUUID(), randomUUID(), randomUUID()];
        const more = [randomUUID(), randomUUID()];
        await p.minutes.writeRows([row({ storeId: store, minute: base, offset: 10, revision: 1, provisional: true, eventIds: first })]);
        const v2 = row({ storeId: store, minute: base, offset: 20, revision: 2, provisional: true, saleCount: 5, eventIds: more, idsFrom: 3 });
        await p.minutes.writeRows([v2]);
        await p.minutes.writeRows([v2]); // a retried write appends nothing twice
        await p.minutes.writeRows([row({ storeId: store, minute: base, offset: 30, revision: 3, saleCount: 5, eventIds: [], idsFrom: 5 })]);
        const [loaded] = await p.minutes.loadRows(store, [{ minute: base, currency: "EUR" }]);
        expect(loaded).toMatchObject({ offset: 30, revision: 3, saleCount: 5, provisional: false });
        expect(loaded!.eventIds).toEqual([...first, ...more]);
        expect(loaded!.idsFrom ?? 0).toBe(0);
      });

      it("given appended ids, when the whole list is written again (no idsFrom), then it replaces every stored chunk", async () => {
        const { base, store } = freshRange();
        await p.minutes.writeRows([row({ storeId: store, minute: base, offset: 10, eventIds: [randomUUID(), randomUUID()] })]);
        await p.minutes.writeRows([row({ storeId: store, minute: base, offset: 11, eventIds: [randomUUID()], idsFrom: 2 })]);
        const whole = [randomUUID(), randomUUID()];
        await p.minutes.writeRows([row({ storeId: store, minute: base, offset: 12, eventIds: whole })]);
        const appended = randomUUID();
        await p.minutes.writeRows([row({ storeId: store, minute: base, offset: 13, eventIds: [appended], idsFrom: 2 })]);
        const [loaded] = await p.minutes.loadRows(store, [{ minute: base, currency: "EUR" }]);
        expect(loaded!.eventIds).toEqual([...whole, appended]);
      });

      it("given rows of several currencies in one minute, then each is its own row and none is summed into another", async () => {
        const { base, store } = freshRange();
        const eur = row({ storeId: store, minute: base, currency: "EUR", grossMinor: 100 });
        const usd = row({ storeId: store, minute: base, currency: "USD", grossMinor: 200 });
        const jpy = row({ storeId: store, minute: base, currency: "JPY", grossMinor: 300 });
        await p.minutes.writeRows([eur, usd, jpy]);
        const loaded = await p.minutes.loadRows(store, [
          { minute: base, currency: "USD" },
          { minute: base, currency: "JPY" },
          { minute: base, currency: "EUR" },
          { minute: base, currency: "GBP" },
        ]);
        expect(loaded.map((r) => [r.currency, r.grossMinor]).sort()).toEqual([
          ["EUR", 100],
          ["JPY", 300],
          ["USD", 200],
        ]);
      });

      it("keeps null event times, zero totals and amounts up to Number.MAX_SAFE_INTEGER exact, as numbers", async () => {
        const { base, store } = freshRange();
        const big = row({ storeId: store, minute: base, grossMinor: Number.MAX_SAFE_INTEGER, refundMinor: 0, offset: 2 ** 40 });
        const empty = row({
          storeId: store,
          minute: base + MINUTE_MS,
          saleCount: 0,
          refundCount: 0,
          grossMinor: 0,
          refundMinor: 0,
          itemCount: 0,
          firstEventAt: null,
          lastEventAt: null,
          eventIds: [],
        });
        await p.minutes.writeRows([big, empty]);
        const loaded = await p.minutes.loadRows(store, [
          { minute: base, currency: "EUR" },
          { minute: base + MINUTE_MS, currency: "EUR" },
        ]);
        const byMinute = new Map(loaded.map((r) => [r.minute, r]));
        expect(withoutIds(byMinute.get(base)!)).toEqual(withoutIds(big));
        expect(typeof byMinute.get(base)!.grossMinor).toBe("number");
        expect(typeof byMinute.get(base)!.offset).toBe("number");
        expect(withoutIds(byMinute.get(base + MINUTE_MS)!)).toEqual(withoutIds(empty));
        expect(sortedIds(byMinute.get(base + MINUTE_MS))).toEqual([]);
      });

      it("storeRows: from inclusive, to exclusive, that store only, sorted by minute", async () => {
        const { base, store } = freshRange();
        const other = `${store}-other`;
        const minutes = [5, 0, 3, 1, 4, 2].map((i) => base + i * MINUTE_MS);
        await p.minutes.writeRows(minutes.map((m) => row({ storeId: store, minute: m })));
        await p.minutes.writeRows([row({ storeId: store, minute: base + 2 * MINUTE_MS, currency: "USD" })]);
        await p.minutes.writeRows(minutes.map((m) => row({ storeId: other, minute: m })));
        const got = await p.minutes.storeRows(store, base + MINUTE_MS, base + 4 * MINUTE_MS);
        expect(got.every((r) => r.storeId === store)).toBe(true);
        expect(got.map((r) => [(r.minute - base) / MINUTE_MS, r.currency])).toEqual([
          [1, "EUR"],
          [2, "EUR"],
          [2, "USD"],
          [3, "EUR"],
        ]);
        expect(await p.minutes.storeRows(store, base + 6 * MINUTE_MS, base + 10 * MINUTE_MS)).toEqual([]);
        expect(await p.minutes.storeRows(store, base + 2 * MINUTE_MS, base + 2 * MINUTE_MS)).toEqual([]);
      });

      it("allRows: every store, from inclusive, to exclusive, sorted by minute", async () => {
        const { base, store } = freshRange();
        const stores = [`${store}-b`, `${store}-a`, `${store}-c`];
        const rows: MinuteRow[] = [];
        for (const [i, s] of stores.entries()) for (const m of [3, 0, 1, 2]) rows.push(row({ storeId: s, minute: base + m * MINUTE_MS, grossMinor: i * 10 + m }));
        await p.minutes.writeRows(rows);
        const got = await p.minutes.allRows(base + MINUTE_MS, base + 3 * MINUTE_MS);
        expect(got.every((r) => r.minute >= base + MINUTE_MS && r.minute < base + 3 * MINUTE_MS)).toBe(true);
        const mine = got.filter((r) => r.storeId.startsWith(store));
        const minutesSeen = got.map((r) => r.minute);
        expect(minutesSeen).toEqual([...minutesSeen].sort((a, b) => a - b));
        expect(mine.map((r) => `${r.storeId}@${(r.minute - base) / MINUTE_MS}=${r.grossMinor}`).sort()).toEqual(
          [`${store}-a@1=11`, `${store}-a@2=12`, `${store}-b@1=1`, `${store}-b@2=2`, `${store}-c@1=21`, `${store}-c@2=22`].sort(),
        );
      });
    });

    describe("partition totals", () => {
      function totals(over: Partial<PartitionTotalsRow> & Pick<PartitionTotalsRow, "minute">): PartitionTotalsRow {
        return { ...measures(over.minute), partition: 2, provisional: false, version: 41, ...over };
      }
      const key = (t: PartitionTotalsRow) => `${t.partition}|${t.minute}|${t.currency}`;
      const sorted = (rows: PartitionTotalsRow[]) => [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));

      it("given written totals, then partitionTotals returns every field, from inclusive, to exclusive, one row per (partition, minute, currency)", async () => {
        const { base } = freshRange();
        const rows = [
          totals({ minute: base, partition: 0 }),
          totals({ minute: base, partition: 1, grossMinor: Number.MAX_SAFE_INTEGER, version: 2 ** 50 + 1 }),
          totals({ minute: base, partition: 1, currency: "USD", provisional: true, version: 8 }),
          totals({ minute: base + MINUTE_MS, partition: 0, saleCount: 0, refundCount: 0, grossMinor: 0, refundMinor: 0, itemCount: 0, firstEventAt: null, lastEventAt: null }),
          totals({ minute: base + 2 * MINUTE_MS, partition: 0 }),
        ];
        await p.minutes.writePartitionTotals(rows);
        await p.minutes.writePartitionTotals(rows.slice(0, 2)); // idempotent
        expect(sorted(await p.minutes.partitionTotals(base, base + 2 * MINUTE_MS))).toEqual(sorted(rows.slice(0, 4)));
        expect(await p.minutes.partitionTotals(base + 3 * MINUTE_MS, base + 10 * MINUTE_MS)).toEqual([]);
        const got = await p.minutes.partitionTotals(base, base + MINUTE_MS);
        expect(typeof got[0]!.grossMinor).toBe("number");
        expect(typeof got[0]!.version).toBe("number");
      });

      it("never moves backwards by version: a lower version is ignored, a higher one replaces the row whole", async () => {
        const { base } = freshRange();
        const v10 = totals({ minute: base, version: 10, saleCount: 10 });
        await p.minutes.writePartitionTotals([v10]);
        await p.minutes.writePartitionTotals([totals({ minute: base, version: 9, saleCount: 9, provisional: true })]);
        expect(await p.minutes.partitionTotals(base, base + MINUTE_MS)).toEqual([v10]);
        const v11 = totals({ minute: base, version: 11, saleCount: 3, grossMinor: 5, firstEventAt: null, lastEventAt: null });
        await p.minutes.writePartitionTotals([v11]);
        await p.minutes.writePartitionTotals([v10]);
        expect(await p.minutes.partitionTotals(base, base + MINUTE_MS)).toEqual([v11]);
        const [loaded] = (await p.minutes.loadPartitionMinute(2, base)).totals;
        expect(loaded).toEqual(v11);
      });

      it("loadPartitionMinute: every store row of that partition and minute (all currencies, no event ids), and that partition's stored totals", async () => {
        const { base, store } = freshRange();
        const mine = [
          row({ storeId: `${store}-a`, minute: base, partition: 4, offset: 7 }),
          row({ storeId: `${store}-b`, minute: base, partition: 4, offset: 9, currency: "USD", provisional: true }),
        ];
        await p.minutes.writeRows([
          ...mine,
          row({ storeId: `${store}-c`, minute: base, partition: 5 }),
          row({ storeId: `${store}-a`, minute: base + MINUTE_MS, partition: 4 }),
          row({ storeId: `${store}-a`, minute: base - MINUTE_MS, partition: 4 }),
        ]);
        const t4 = totals({ minute: base, partition: 4, version: 20 });
        await p.minutes.writePartitionTotals([t4, totals({ minute: base, partition: 5 }), totals({ minute: base + MINUTE_MS, partition: 4 })]);
        const loaded = await p.minutes.loadPartitionMinute(4, base);
        const byStore = (rows: MinuteRow[]) => [...rows].sort((a, b) => (a.storeId < b.storeId ? -1 : 1));
        expect(byStore(loaded.rows).map(withoutIds)).toEqual(byStore(mine).map(withoutIds));
        expect(loaded.rows.every((r) => r.eventIds.length === 0)).toBe(true);
        expect(loaded.totals).toEqual([t4]);
        expect(await p.minutes.loadPartitionMinute(4, base + 5 * MINUTE_MS)).toEqual({ rows: [], totals: [] });
      });
    });

    function saleEvent(store: string, occurredAtMs: number, over: Partial<SaleEvent> = {}): SaleEvent {
      return {
        eventId: randomUUID(),
        storeId: store,
        occurredAt: new Date(occurredAtMs).toISOString(),
        occurredAtMs,
        type: "sale",
        currency: "EUR",
        lines: [{ sku: "sku-1", quantity: 2, unitPriceMinor: 150 }],
        totalMinor: 300,
        itemCount: 2,
        ...over,
      };
    }

    /** An event at a minute's last millisecond whose occurredAt has a finer fraction: text would round it into the next minute. */
    function lastMillisecondOf(store: string, minute: number): SaleEvent {
      const ms = minute + MINUTE_MS - 1;
      return saleEvent(store, ms, { occurredAt: new Date(ms).toISOString().replace(".999Z", ".9999996Z") });
    }

    describe("late events", () => {
      const late = (event: SaleEvent, partition: number, offset: number, reason = "beyond allowed lateness"): LateEvent => ({
        event,
        partition,
        offset,
        appendTime: event.occurredAtMs + 3_600_000,
        reason,
      });

      it("records every field, and recording the same (partition, offset) again is idempotent", async () => {
        const { base, store } = freshRange();
        const a = late(saleEvent(store, base + 1000, { type: "refund" }), 2, 40);
        await p.late.recordLate([a]);
        await p.late.recordLate([a]);
        await p.late.recordLate([a, a]);
        const listed = await p.late.listLate({ from: base, to: base + MINUTE_MS, storeId: store, limit: 100 });
        expect(listed).toEqual([
          {
            eventId: a.event.eventId,
            storeId: store,
            occurredAt: a.event.occurredAt,
            type: "refund",
            currency: "EUR",
            totalMinor: 300,
            partition: 2,
            offset: 40,
            appendTime: a.appendTime,
            reason: "beyond allowed lateness",
          },
        ]);
      });

      it("the same event at two offsets is two late records (a re-appended duplicate is still accounted for)", async () => {
        const { base, store } = freshRange();
        const e = saleEvent(store, base + 5000);
        await p.late.recordLate([late(e, 0, 7), late(e, 0, 9)]);
        const listed = await p.late.listLate({ from: base, to: base + MINUTE_MS, storeId: store, limit: 100 });
        expect(listed.map((l) => l.offset).sort((x, y) => x - y)).toEqual([7, 9]);
      });

      it("keeps an occurredAt finer than a millisecond at the instant the windows use, in its own minute", async () => {
        const { base, store } = freshRange();
        await p.late.recordLate([late(lastMillisecondOf(store, base), 1, 9)]);
        expect(await p.late.listLate({ from: base, to: base + MINUTE_MS, storeId: store, limit: 10 })).toHaveLength(1);
        expect(await p.late.listLate({ from: base + MINUTE_MS, to: base + 2 * MINUTE_MS, storeId: store, limit: 10 })).toEqual([]);
      });

      it("lists by occurredAt with from inclusive, to exclusive, filtered by store, sorted, limited", async () => {
        const { base, store } = freshRange();
        const other = `${store}-x`;
        const times = [30, 10, 0, 50, 20, 40].map((s) => base + s * 1000);
        await p.late.recordLate(times.map((t, i) => late(saleEvent(store, t), 3, 100 + i)));
        await p.late.recordLate([late(saleEvent(other, base + 25_000), 3, 200)]);
        const got = await p.late.listLate({ from: base + 10_000, to: base + 50_000, storeId: store, limit: 100 });
        expect(got.map((l) => Date.parse(l.occurredAt) - base)).toEqual([10_000, 20_000, 30_000, 40_000]);
        const limited = await p.late.listLate({ from: base, to: base + MINUTE_MS, storeId: store, limit: 2 });
        expect(limited.map((l) => Date.parse(l.occurredAt) - base)).toEqual([0, 10_000]);
        const all = (await p.late.listLate({ from: base + 20_000, to: base + 30_000, limit: 100 })).filter((l) => l.storeId.startsWith(store));
        expect(all.map((l) => [l.storeId, Date.parse(l.occurredAt) - base])).toEqual([
          [store, 20_000],
          [other, 25_000],
        ]);
      });
    });

    describe("raw history", () => {
      const logged = (event: SaleEvent, partition: number, offset: number): LoggedEvent => ({ event, partition, offset, appendTime: event.occurredAtMs + 500 });

      it("insert is idempotent on eventId for all time, whatever the offset, and counts only new events", async () => {
        const { base, store } = freshRange();
        const before = await p.history.count();
        const a = logged(saleEvent(store, base + 1000), 0, 1);
        const b = logged(saleEvent(store, base + 2000, { type: "refund", currency: "USD" }), 0, 2);
        expect(await p.history.insertEvents([a, b])).toBe(2);
        expect(await p.history.insertEvents([a, b])).toBe(0);
        expect(await p.history.insertEvents([{ ...a, offset: 99, appendTime: a.appendTime + 10 }])).toBe(0);
        expect(await p.history.count()).toBe(before + 2);
        const got = (await p.history.eventsBetween(base, base + MINUTE_MS)).filter((e) => e.event.storeId.startsWith(store));
        expect(got).toEqual([a, b]);
      });

      it("a batch mixing stored and new events inserts only the new ones, and nothing of it is lost", async () => {
        const { base, store } = freshRange();
        const a = logged(saleEvent(store, base + 1000), 0, 1);
        const b = logged(saleEvent(store, base + 2000), 0, 2);
        const c = logged(saleEvent(store, base + 3000), 0, 3);
        expect(await p.history.insertEvents([b])).toBe(1);
        expect(await p.history.insertEvents([a, { ...b, offset: 9 }, c])).toBe(2);
        expect((await p.history.eventsBetween(base, base + MINUTE_MS)).filter((e) => e.event.storeId.startsWith(store))).toEqual([a, b, c]);
      });

      it("every character a sku may hold round-trips exactly (quotes, backslashes, \\N, non-ASCII)", async () => {
        const { base, store } = freshRange();
        const skus = ['a"b', "back\\slash", "\\N", "\\t\\n", "ünï-ß", "emoji 🛒", "€ 12,5", "{x}", "[1]"];
        const lines = skus.map((sku, i) => ({ sku, quantity: 1, unitPriceMinor: 100 + i }));
        const a = logged(saleEvent(store, base + 1000, { lines, totalMinor: lines.reduce((t, l) => t + l.unitPriceMinor, 0), itemCount: lines.length }), 2, 7);
        expect(await p.history.insertEvents([a])).toBe(1);
        expect((await p.history.eventsBetween(base, base + MINUTE_MS)).filter((e) => e.event.storeId.startsWith(store))).toEqual([a]);
      });

      it("keeps an occurredAt finer than a millisecond at the instant the windows use, in its own minute", async () => {
        const { base, store } = freshRange();
        const a = logged(lastMillisecondOf(store, base), 0, 1);
        expect(await p.history.insertEvents([a])).toBe(1);
        const got = (await p.history.eventsBetween(base, base + MINUTE_MS)).filter((e) => e.event.storeId === store);
        expect(got.map((e) => e.event.occurredAtMs)).toEqual([base + MINUTE_MS - 1]);
        expect((await p.history.eventsBetween(base + MINUTE_MS, base + 2 * MINUTE_MS)).filter((e) => e.event.storeId === store)).toEqual([]);
      });

      it("holds the first and the last instant the contract admits", async () => {
        const store = `st-${randomUUID().slice(0, 8)}`;
        const first = logged(saleEvent(store, Date.UTC(2000, 0, 1)), 0, 1);
        const last = { ...logged(saleEvent(store, Date.UTC(10000, 0, 1) - 1), 0, 2), appendTime: Date.now() };
        expect(await p.history.insertEvents([first, last])).toBe(2);
        const got = (await p.history.eventsBetween(Date.UTC(2000, 0, 1), Date.UTC(10000, 0, 1))).filter((e) => e.event.storeId === store);
        expect(got).toEqual([first, last]);
      });

      it("a batch holding the same eventId twice inserts it once", async () => {
        const { base, store } = freshRange();
        const a = logged(saleEvent(store, base + 1000), 1, 5);
        expect(await p.history.insertEvents([a, { ...a, offset: 6 }])).toBe(1);
        expect((await p.history.eventsBetween(base, base + MINUTE_MS)).filter((e) => e.event.storeId.startsWith(store))).toEqual([a]);
      });

      it("eventsBetween: occurredAt from inclusive, to exclusive, in log order (partition, offset), not time order", async () => {
        const { base, store } = freshRange();
        const events = [
          logged(saleEvent(store, base + 50_000), 0, 1),
          logged(saleEvent(store, base + 10_000), 0, 2),
          logged(saleEvent(`${store}-b`, base + 30_000), 1, 0),
          logged(saleEvent(store, base), 0, 3),
          logged(saleEvent(store, base + MINUTE_MS), 0, 4),
          logged(saleEvent(store, base - 1), 0, 5),
        ];
        await p.history.insertEvents([events[3]!, events[0]!, events[2]!]);
        await p.history.insertEvents([events[1]!, events[5]!, events[4]!]);
        const got = (await p.history.eventsBetween(base, base + MINUTE_MS)).filter((e) => e.event.storeId.startsWith(store));
        expect(got.map((e) => [e.partition, e.offset])).toEqual([
          [0, 1],
          [0, 2],
          [0, 3],
          [1, 0],
        ]);
        expect(got).toEqual([events[0], events[1], events[3], events[2]]);
      });
    });
  });
}
