import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Tick } from "../live/ports.ts";
import {
  absorbLive,
  absorbWritten,
  dueTotals,
  evictTotals,
  hasUnwrittenTotals,
  installLoaded,
  isKnownAbsent,
  isMinuteLoaded,
  takeLiveTotals,
  markTotalsWritten,
  minutesToLoad,
  newPartitionTotals,
  partitionTotalsOfRows,
  sumContributions,
  type PartitionTotalsRow,
} from "./partition-totals.ts";
import { MAX_EXACT_MINOR } from "./money.ts";
import { MINUTE_MS } from "./time.ts";
import type { WindowingConfig } from "./windowing-config.ts";
import { isNewerAggregate, isNewerRow } from "./windows.ts";

const M = Date.UTC(2026, 0, 1, 10, 0);
const P = 3;
const cfg: WindowingConfig = { graceMs: 10_000, idleSlackMs: 30_000, allowedLatenessMs: 120_000, checkpointMs: 5_000, maxFutureSkewMs: 60_000 };

function row(storeId: string, offset: number, over: Partial<Tick> = {}): Tick {
  return {
    storeId,
    minute: M,
    currency: "EUR",
    saleCount: 1,
    refundCount: 0,
    grossMinor: 100 * (offset + 1),
    refundMinor: 0,
    itemCount: 1,
    firstEventAt: M + offset,
    lastEventAt: M + offset,
    partition: P,
    offset,
    revision: 1,
    provisional: false,
    ...over,
  };
}

describe("partition totals: version and sums", () => {
  it("sums totals per currency, provisional if any row is, version = 2·Σ(offset+1) (+1 when all final)", () => {
    const [t] = partitionTotalsOfRows([row("a", 4), row("b", 9, { provisional: true, firstEventAt: M - 5, lastEventAt: M + 70 })]);
    expect(t).toEqual({
      partition: P,
      minute: M,
      currency: "EUR",
      saleCount: 2,
      refundCount: 0,
      grossMinor: 500 + 1000,
      refundMinor: 0,
      itemCount: 2,
      firstEventAt: M - 5,
      lastEventAt: M + 70,
      provisional: true,
      version: 2 * (5 + 10),
    });
    expect(partitionTotalsOfRows([row("a", 4), row("b", 9)])[0]!.version).toBe(2 * 15 + 1);
    expect(partitionTotalsOfRows([row("a", 4), row("a", 4, { currency: "USD" })]).map((r) => r.currency).sort()).toEqual(["EUR", "USD"]);
    expect(sumContributions(P, M, "EUR", []).version).toBe(0);
  });

  it("the version of a later state is higher than any earlier mixture unless the content is equal (property)", () => {
    // Rows only grow (per store, offsets increase); any mixture of earlier rows has a lower version.
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(50), fc.nat(50)), { minLength: 1, maxLength: 8 }), (pairs) => {
        const early = pairs.map(([a], i) => row(`s${i}`, a));
        const late = pairs.map(([a, d], i) => row(`s${i}`, a + d));
        const [e] = partitionTotalsOfRows(early);
        const [l] = partitionTotalsOfRows(late);
        if (pairs.every(([, d]) => d === 0)) expect(l!.version).toBe(e!.version);
        else expect(l!.version).toBeGreaterThan(e!.version);
      }),
    );
  });
});

describe("partition totals state", () => {
  it("does not write an aggregate before its minute is loaded, then writes the sum of loaded and written rows", () => {
    const s = newPartitionTotals(P);
    absorbWritten(s, [row("a", 10)]);
    expect(minutesToLoad(s)).toEqual([M]);
    expect(dueTotals(s)).toEqual([]);
    expect(hasUnwrittenTotals(s)).toBe(true);
    // Stored: store a at an older offset (replaced, never added), store b untouched by this actor.
    installLoaded(s, M, [row("a", 5), row("b", 7)], []);
    const due = dueTotals(s);
    expect(due).toEqual(partitionTotalsOfRows([row("a", 10), row("b", 7)]));
    markTotalsWritten(s, due);
    expect(dueTotals(s)).toEqual([]);
    expect(hasUnwrittenTotals(s)).toBe(false);
  });

  it("knows a store's window has no stored row only once its minute is loaded, and only while no row of it is loaded or written", () => {
    const s = newPartitionTotals(P);
    absorbLive(s, [row("live-only", 1)]);
    expect(isMinuteLoaded(s, M)).toBe(false);
    expect(isKnownAbsent(s, "new", M, "EUR")).toBe(false); // not loaded: unsure
    installLoaded(s, M, [row("stored", 2)], []);
    expect(isMinuteLoaded(s, M)).toBe(true);
    expect(isKnownAbsent(s, "new", M, "EUR")).toBe(true);
    expect(isKnownAbsent(s, "stored", M, "EUR")).toBe(false);
    expect(isKnownAbsent(s, "stored", M, "USD")).toBe(true); // another currency, another window
    expect(isKnownAbsent(s, "new", M + MINUTE_MS, "EUR")).toBe(false); // another minute, not loaded
    absorbWritten(s, [row("new", 3)]);
    expect(isKnownAbsent(s, "new", M, "EUR")).toBe(false);
    // A view only in memory says nothing about the store: its actor holds that window.
    expect(isKnownAbsent(s, "live-only", M, "EUR")).toBe(true);
  });

  it("a loaded row newer than the one written meanwhile wins (set, never add)", () => {
    const s = newPartitionTotals(P);
    absorbWritten(s, [row("a", 3)]);
    installLoaded(s, M, [row("a", 8)], []);
    expect(dueTotals(s)).toEqual(partitionTotalsOfRows([row("a", 8)]));
    absorbWritten(s, [row("a", 6)]); // older: ignored
    markTotalsWritten(s, dueTotals(s));
    absorbWritten(s, [row("a", 6)]);
    expect(dueTotals(s)).toEqual([]);
  });

  it("on first load, an aggregate whose stored version equals the rows' sum is left alone; a different one is rewritten", () => {
    const rows = [row("a", 2), row("b", 4)];
    const [sum] = partitionTotalsOfRows(rows);
    const ok = newPartitionTotals(P);
    absorbLive(ok, [row("a", 3)]);
    installLoaded(ok, M, rows, [sum!]);
    expect(dueTotals(ok)).toEqual([]);
    const stale = newPartitionTotals(P);
    absorbLive(stale, [row("a", 3)]);
    installLoaded(stale, M, rows, [{ ...sum!, version: sum!.version - 2, saleCount: 1 }]);
    expect(dueTotals(stale)).toEqual([sum]);
    const missing = newPartitionTotals(P);
    absorbLive(missing, [row("a", 3)]);
    installLoaded(missing, M, rows, [{ ...sum!, partition: P + 1 }]); // another partition's aggregate does not count
    expect(dueTotals(missing)).toEqual([sum]);
  });

  it("stays dirty when the write failed or contributions moved on while it was written", () => {
    const s = newPartitionTotals(P);
    installLoaded(s, M, [], []);
    absorbWritten(s, [row("a", 1)]);
    const first = dueTotals(s);
    absorbWritten(s, [row("a", 2)]);
    markTotalsWritten(s, first);
    expect(dueTotals(s)).toEqual(partitionTotalsOfRows([row("a", 2)]));
  });

  it("live ticks sum per store the newer of the written row and the in-memory view, only for loaded minutes, once per change", () => {
    const s = newPartitionTotals(P);
    absorbWritten(s, [row("a", 5)]);
    absorbLive(s, [row("a", 9, { provisional: true }), row("b", 1, { provisional: true })]);
    expect(takeLiveTotals(s)).toEqual([]); // not loaded: a partial sum is never published
    installLoaded(s, M, [row("c", 2)], []);
    const live = takeLiveTotals(s);
    expect(live).toEqual(partitionTotalsOfRows([row("a", 9, { provisional: true }), row("b", 1, { provisional: true }), row("c", 2)]));
    expect(takeLiveTotals(s)).toEqual([]);
    absorbWritten(s, [row("a", 12)]);
    expect(takeLiveTotals(s)[0]!.version).toBeGreaterThan(live[0]!.version);
  });

  it("evicts clean minutes past the lateness horizon only", () => {
    const s = newPartitionTotals(P);
    absorbWritten(s, [row("a", 1), row("a", 2, { minute: M + MINUTE_MS })]);
    installLoaded(s, M, [], []);
    const horizon = M + MINUTE_MS + cfg.graceMs + cfg.idleSlackMs + cfg.allowedLatenessMs;
    expect(evictTotals(s, horizon + 1, cfg)).toBe(0); // M dirty, M+1 not loaded
    markTotalsWritten(s, dueTotals(s));
    expect(evictTotals(s, horizon, cfg)).toBe(0);
    expect(evictTotals(s, horizon + 1, cfg)).toBe(1);
    expect(minutesToLoad(s)).toEqual([M + MINUTE_MS]);
  });

  it("whatever the order of written rows, loads and writes, the final aggregate is the sum of each store's newest row (property)", () => {
    const ops = fc.array(
      fc.oneof(
        fc.record({ kind: fc.constant("row" as const), store: fc.nat(3), offset: fc.nat(30), final: fc.boolean() }),
        fc.record({ kind: fc.constant("load" as const) }),
        fc.record({ kind: fc.constant("write" as const) }),
      ),
      { maxLength: 40 },
    );
    fc.assert(
      fc.property(ops, (list) => {
        const s = newPartitionTotals(P);
        let stored: PartitionTotalsRow | undefined;
        const newest = new Map<string, Tick>();
        const rows: Tick[] = [];
        for (const op of list) {
          if (op.kind === "row") {
            const r = row(`s${op.store}`, op.offset, { provisional: !op.final });
            rows.push(r);
            const prev = newest.get(r.storeId);
            if (!prev || r.offset > prev.offset || (r.offset === prev.offset && prev.provisional && !r.provisional)) newest.set(r.storeId, r);
            absorbWritten(s, [r]);
          } else if (op.kind === "load") {
            installLoaded(s, M, rows, stored ? [stored] : []);
          } else {
            const due = dueTotals(s);
            for (const d of due) if (!stored || d.version >= stored.version) stored = d;
            markTotalsWritten(s, due);
          }
        }
        installLoaded(s, M, rows, stored ? [stored] : []);
        for (const d of dueTotals(s)) if (!stored || d.version >= stored.version) stored = d;
        if (newest.size === 0) return;
        expect(stored).toEqual(partitionTotalsOfRows(newest.values())[0]);
      }),
    );
  });
});

describe("partition totals state against a reference (property)", () => {
  const near = (n: number) => fc.oneof(fc.nat(n), fc.nat(n).map((d) => MAX_EXACT_MINOR - d));
  const time = fc.option(fc.integer({ min: -5, max: MINUTE_MS + 5 }).map((d) => M + d), { nil: null });
  const rowArb = fc
    .record({ store: fc.nat(3), usd: fc.boolean(), offset: fc.nat(12), final: fc.boolean(), gross: near(1000), refund: near(1000), items: near(50), first: time, last: time })
    .map((g) =>
      row(`s${g.store}`, g.offset, {
        currency: g.usd ? "USD" : "EUR",
        provisional: !g.final,
        refundCount: 1,
        grossMinor: g.gross,
        refundMinor: g.refund,
        itemCount: g.items,
        firstEventAt: g.first,
        lastEventAt: g.last,
      }),
    );
  const ops = fc.array(
    fc.oneof(
      fc.record({ kind: fc.constantFrom("written" as const, "live" as const, "foreign" as const), row: rowArb }),
      fc.record({ kind: fc.constantFrom("load" as const, "write" as const, "take" as const) }),
    ),
    { maxLength: 60, size: "max" },
  );

  it("aggregates, versions and live ticks equal per-store newest written rows, and the newer of written and live", () => {
    fc.assert(
      fc.property(ops, (list) => {
        // A store's row at a given offset always has the same content (replays are deterministic): the first one generated.
        const contents = new Map<string, Tick>();
        const canonical = (r: Tick): Tick => {
          const key = `${r.storeId}|${r.currency}|${r.offset}`;
          const first = contents.get(key);
          if (!first) contents.set(key, r);
          return first ? { ...first, provisional: r.provisional } : r;
        };
        const s = newPartitionTotals(P);
        // The reference: per currency, each store's newest written row and newest live view (never dropped).
        const written = new Map<string, Map<string, Tick>>();
        const live = new Map<string, Map<string, Tick>>();
        const of = (byCurrency: Map<string, Map<string, Tick>>, currency: string) => byCurrency.get(currency) ?? new Map<string, Tick>();
        const keep = (byCurrency: Map<string, Map<string, Tick>>, r: Tick): boolean => {
          if (!byCurrency.has(r.currency)) byCurrency.set(r.currency, new Map());
          const stores = byCurrency.get(r.currency)!;
          if (!isNewerRow(stores.get(r.storeId), r)) return false;
          stores.set(r.storeId, r);
          return true;
        };
        const newer = (w: Tick | undefined, l: Tick | undefined) => (l && isNewerRow(w, l) ? l : w);
        const sumOfRows = (rows: Tick[]) => partitionTotalsOfRows(rows)[0];
        const expectedAggregate = (currency: string) => sumOfRows([...of(written, currency).values()]);
        const expectedLive = (currency: string) => {
          const w = of(written, currency);
          const l = of(live, currency);
          const merged = [...w].map(([store, r]) => newer(r, l.get(store))!);
          return sumOfRows([...merged, ...[...l].filter(([store]) => !w.has(store)).map(([, r]) => r)]);
        };
        // A tick is due when a store's written row moves on, or its live view moves past the newer of both, or the minute loads.
        const tickDue = new Set<string>();
        let loaded = false;
        const stored: Tick[] = [];
        const storedTotals = new Map<string, PartitionTotalsRow>();
        const load = () => {
          if (!loaded) {
            for (const r of stored) keep(written, r);
            for (const c of written.keys()) tickDue.add(c);
          }
          installLoaded(s, M, stored, [...storedTotals.values()]);
          loaded = true;
        };
        const write = () => {
          const due = dueTotals(s);
          for (const d of due) {
            expect(d).toEqual(expectedAggregate(d.currency));
            if (isNewerAggregate(storedTotals.get(d.currency), d)) storedTotals.set(d.currency, d);
          }
          markTotalsWritten(s, due);
        };
        for (const op of list) {
          if (op.kind === "written") {
            const r = canonical(op.row);
            stored.push(r);
            if (keep(written, r)) tickDue.add(r.currency);
            absorbWritten(s, [r]);
          } else if (op.kind === "live") {
            const r = canonical(op.row);
            if (isNewerRow(newer(of(written, r.currency).get(r.storeId), of(live, r.currency).get(r.storeId)), r)) tickDue.add(r.currency);
            keep(live, r);
            absorbLive(s, [r]);
          } else if (op.kind === "foreign") {
            stored.push(canonical(op.row)); // written by another owner: seen when the minute loads
          } else if (op.kind === "load") {
            load();
          } else if (op.kind === "write") {
            write();
          } else {
            const ticks = takeLiveTotals(s);
            expect(ticks.map((t) => t.currency).sort()).toEqual(loaded ? [...tickDue].sort() : []);
            if (loaded) tickDue.clear();
            for (const t of ticks) expect(t).toEqual(expectedLive(t.currency));
          }
        }
        load();
        write();
        expect(hasUnwrittenTotals(s)).toBe(false);
        for (const c of written.keys()) expect(storedTotals.get(c)).toEqual(expectedAggregate(c));
      }),
      { numRuns: 500 },
    );
  });
});
