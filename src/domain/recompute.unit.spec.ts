import { describe, expect, it } from "vitest";
import { decodeEvent, type SaleEvent } from "./event.ts";
import { recomputeByKey, recomputeKey, recomputeWindows } from "./recompute.ts";
import type { LoggedEvent } from "./store-windows.ts";
import { MINUTE_MS } from "./time.ts";
import type { WindowingConfig } from "./windowing-config.ts";

const cfg: WindowingConfig = { graceMs: 5_000, idleSlackMs: 10_000, allowedLatenessMs: 60_000, checkpointMs: 1_000, maxFutureSkewMs: 0 };
const M = Date.UTC(2026, 4, 1, 12, 0);
const LIMIT = M + MINUTE_MS + cfg.graceMs + cfg.allowedLatenessMs; // last on-time append for minute M

function ev(n: number, over: Record<string, unknown> = {}): SaleEvent {
  const r = decodeEvent({
    eventId: `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`,
    storeId: "s1",
    occurredAt: new Date(M + 1000).toISOString(),
    type: "sale",
    currency: "EUR",
    lines: [{ sku: "a", quantity: 1, unitPriceMinor: 100 }],
    ...over,
  });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.event;
}
const at = (event: SaleEvent, offset: number, appendTime = M + 2000, partition = 0): LoggedEvent => ({ partition, offset, appendTime, event });

describe("recomputeWindows (the reference)", () => {
  it("sums per (store, minute, currency), never across currencies, with net and items as the rows define them", () => {
    const r = recomputeWindows(
      [
        at(ev(1, { lines: [{ sku: "a", quantity: 2, unitPriceMinor: 300 }] }), 0),
        at(ev(2, { type: "refund", lines: [{ sku: "a", quantity: 1, unitPriceMinor: 100 }] }), 1),
        at(ev(3, { currency: "USD" }), 2),
        at(ev(4, { storeId: "s2" }), 3),
        at(ev(5, { occurredAt: new Date(M + MINUTE_MS).toISOString() }), 4),
      ],
      cfg,
    );
    expect(r.windows.map((w) => [w.storeId, w.minute - M, w.currency, w.totals.saleCount, w.totals.refundCount, w.totals.grossMinor, w.totals.refundMinor, w.totals.itemCount, w.offset])).toEqual([
      ["s1", 0, "EUR", 1, 1, 600, 100, 2, 1],
      ["s1", 0, "USD", 1, 0, 100, 0, 1, 2],
      ["s1", MINUTE_MS, "EUR", 1, 0, 100, 0, 1, 4],
      ["s2", 0, "EUR", 1, 0, 100, 0, 1, 3],
    ]);
  });

  it("counts the first occurrence of an eventId in a window, and reports the others as duplicates", () => {
    const e = ev(1);
    const r = recomputeWindows([at(e, 0), at(ev(2), 1), at(e, 2), at(e, 3, LIMIT + 1)], cfg);
    expect(r.windows[0]!.totals.saleCount).toBe(2);
    expect(r.windows[0]!.eventIds).toEqual([e.eventId, ev(2).eventId]);
    expect(r.duplicates.map((d) => d.offset)).toEqual([2, 3]);
    expect(r.late).toEqual([]);
  });

  it("drops events beyond lateness by their own append time (boundary on time) and lists them", () => {
    const r = recomputeWindows([at(ev(1), 0, LIMIT), at(ev(2), 1, LIMIT + 1), at(ev(3), 2, LIMIT + 10)], cfg);
    expect(r.windows[0]!.totals.saleCount).toBe(1);
    expect(r.late.map((l) => l.offset)).toEqual([1, 2]);
  });

  it("a late first occurrence does not block a later on-time one (possible when append times are not monotonic)", () => {
    const e = ev(1);
    const r = recomputeWindows([at(e, 0, LIMIT + 1), at(e, 1, M + 3000)], cfg);
    expect(r.late.map((l) => l.offset)).toEqual([0]);
    expect(r.windows[0]).toMatchObject({ eventIds: [e.eventId], offset: 1 });
  });

  it("a window of late events only has no row", () => {
    expect(recomputeWindows([at(ev(1), 0, LIMIT + 1)], cfg).windows).toEqual([]);
  });

  it("takes events in log order (partition, offset), whatever order they are given in", () => {
    const e = ev(1);
    const inOrder = [at(e, 3, M + 2000, 1), at(e, 5, LIMIT + 1, 1), at(ev(2), 0, M + 2000, 0)];
    const a = recomputeWindows(inOrder, cfg);
    const b = recomputeWindows([...inOrder].reverse(), cfg);
    expect(b).toEqual(a);
    expect(a.duplicates.map((d) => d.offset)).toEqual([5]);
  });

  it("recomputeByKey indexes the same windows", () => {
    const byKey = recomputeByKey([at(ev(1), 0), at(ev(2, { currency: "JPY" }), 1)], cfg);
    expect([...byKey.keys()].sort()).toEqual([recomputeKey("s1", M, "EUR"), recomputeKey("s1", M, "JPY")].sort());
  });
});
