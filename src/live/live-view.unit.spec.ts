import { describe, expect, it } from "vitest";
import { rowView } from "../domain/minute-row.ts";
import { sampleRowView } from "../domain/minute-row.fixture.ts";
import { MINUTE_MS } from "../domain/time.ts";
import { InProcessTicks } from "./in-process-ticks.ts";
import { LiveView } from "./live-view.ts";
import type { PartitionTick, Tick } from "./ports.ts";

const M = Date.UTC(2026, 10, 30, 10, 15);
const HORIZON = 10 * MINUTE_MS;

const tick = (over: Partial<Tick> = {}): Tick => sampleRowView({ minute: M, firstEventAt: M + 1_234, lastEventAt: M + 59_999, ...over });

function partitionTick(over: Partial<PartitionTick> = {}): PartitionTick {
  return {
    kind: "partition",
    partition: 2,
    minute: M,
    currency: "EUR",
    saleCount: 30,
    refundCount: 2,
    grossMinor: 9_000,
    refundMinor: 300,
    itemCount: 40,
    firstEventAt: M,
    lastEventAt: M + 59_000,
    provisional: true,
    version: 4,
    ...over,
  };
}

function setup(now = M + MINUTE_MS) {
  const ticks = new InProcessTicks();
  const clock = { now };
  const view = new LiveView(ticks, HORIZON, () => clock.now);
  return { ticks, clock, view };
}

describe("LiveView", () => {
  it("reads back exactly the Tick fields and values of the tick that went in", () => {
    const { ticks, view } = setup();
    const t = tick();
    ticks.publish([t]);
    expect(view.between(M, M + MINUTE_MS)).toStrictEqual([rowView(t)]);
    expect(view.between(M, M + MINUTE_MS, "s-1")).toStrictEqual([rowView(t)]);
    expect(view.newest(t)).toStrictEqual(rowView(t));
    // Plain objects: a spread or JSON copy keeps every field.
    expect({ ...view.newest(t) }).toStrictEqual(rowView(t));
    expect(JSON.parse(JSON.stringify(view.between(M, M + MINUTE_MS)))).toStrictEqual([rowView(t)]);
  });

  it("keeps null first and last event times", () => {
    const { ticks, view } = setup();
    const t = tick({ saleCount: 0, refundCount: 0, grossMinor: 0, refundMinor: 0, itemCount: 0, firstEventAt: null, lastEventAt: null });
    ticks.publish([t]);
    expect(view.newest(t)).toStrictEqual(rowView(t));
  });

  it("keeps a window at a UTC year boundary, event times at the minute's first and last millisecond", () => {
    const minute = Date.UTC(2027, 0, 1, 0, 0);
    const { ticks, view } = setup(minute + MINUTE_MS);
    const t = tick({ minute, firstEventAt: minute, lastEventAt: minute + MINUTE_MS - 1 });
    ticks.publish([t]);
    expect(view.between(minute, minute + MINUTE_MS)).toStrictEqual([rowView(t)]);
    expect(view.newest(t)?.firstEventAt).toBe(Date.parse("2027-01-01T00:00:00.000Z"));
    expect(view.newest(t)?.lastEventAt).toBe(Date.parse("2027-01-01T00:00:59.999Z"));
  });

  it("keeps the newest version of a window by offset, then final over provisional", () => {
    const { ticks, view } = setup();
    ticks.publish([tick({ offset: 41, saleCount: 3 })]);
    ticks.publish([tick({ offset: 40, saleCount: 2 })]);
    expect(view.newest(tick())).toMatchObject({ offset: 41, saleCount: 3 });
    ticks.publish([tick({ offset: 45, saleCount: 4, revision: 8 })]);
    expect(view.newest(tick())).toMatchObject({ offset: 45, saleCount: 4, revision: 8, provisional: true });
    ticks.publish([tick({ offset: 45, saleCount: 4, revision: 9, provisional: false })]);
    expect(view.newest(tick())).toMatchObject({ offset: 45, revision: 9, provisional: false });
    ticks.publish([tick({ offset: 45, saleCount: 4, revision: 10, provisional: true })]);
    expect(view.newest(tick())).toMatchObject({ offset: 45, revision: 9, provisional: false });
    expect(view.size()).toBe(1);
  });

  it("keeps windows of other minutes and currencies apart", () => {
    const { ticks, view } = setup();
    const eur = tick();
    const usd = tick({ currency: "USD", offset: 50, grossMinor: 7 });
    const before = tick({ minute: M - MINUTE_MS, firstEventAt: M - 1, lastEventAt: M - 1, offset: 30 });
    ticks.publish([eur, usd, before]);
    expect(view.newest(eur)).toStrictEqual(rowView(eur));
    expect(view.newest(usd)).toStrictEqual(rowView(usd));
    expect(view.newest(before)).toStrictEqual(rowView(before));
    expect(view.newest({ storeId: "s-1", minute: M + MINUTE_MS, currency: "EUR" })).toBeUndefined();
    expect(view.newest({ storeId: "s-1", minute: M, currency: "GBP" })).toBeUndefined();
    expect(view.between(M, M + MINUTE_MS)).toHaveLength(2);
    expect(view.between(M - MINUTE_MS, M)).toStrictEqual([rowView(before)]);
    expect(view.size()).toBe(3);
  });

  it("reads one store's rows, or every store's", () => {
    const { ticks, view } = setup();
    const a = tick({ storeId: "a" });
    const b = tick({ storeId: "b", offset: 60 });
    ticks.publish([a, b]);
    expect(view.between(M, M + MINUTE_MS, "a")).toStrictEqual([rowView(a)]);
    expect(view.between(M, M + MINUTE_MS, "b")).toStrictEqual([rowView(b)]);
    expect(view.between(M, M + MINUTE_MS, "c")).toStrictEqual([]);
    expect(view.between(M, M + MINUTE_MS)).toStrictEqual([rowView(a), rowView(b)]);
    expect(view.between(M + MINUTE_MS, M + 2 * MINUTE_MS)).toStrictEqual([]);
    expect(view.newest({ storeId: "c", minute: M, currency: "EUR" })).toBeUndefined();
  });

  it("ignores ticks past the horizon and prunes windows that fall out of it", () => {
    const { ticks, clock, view } = setup(M + MINUTE_MS + HORIZON);
    const old = tick({ minute: M - MINUTE_MS, firstEventAt: null, lastEventAt: null });
    ticks.publish([old]);
    expect(view.newest(old)).toBeUndefined();
    expect(view.size()).toBe(0);

    const t = tick();
    const p = partitionTick();
    ticks.publish([t, p]);
    expect(view.size()).toBe(2);
    view.prune();
    expect(view.newest(t)).toStrictEqual(rowView(t));
    expect(view.size()).toBe(2);

    clock.now += 1;
    view.prune();
    expect(view.newest(t)).toBeUndefined();
    expect(view.between(0, Number.MAX_SAFE_INTEGER)).toStrictEqual([]);
    expect(view.partitionsBetween(0, Number.MAX_SAFE_INTEGER)).toStrictEqual([]);
    expect(view.size()).toBe(0);

    // A store whose windows were all pruned takes new ones.
    const later = tick({ minute: M + 2 * MINUTE_MS, firstEventAt: null, lastEventAt: null });
    ticks.publish([later]);
    expect(view.between(0, Number.MAX_SAFE_INTEGER, "s-1")).toStrictEqual([rowView(later)]);
    expect(view.size()).toBe(1);
  });

  it("keeps partition ticks as they came, the newest by version", () => {
    const { ticks, view } = setup();
    const p = partitionTick();
    ticks.publish([p, partitionTick({ version: 3 }), partitionTick({ partition: 3 })]);
    const got = view.partitionsBetween(M, M + MINUTE_MS);
    expect(got).toHaveLength(2);
    expect(got[0]).toBe(p);
    expect(view.between(M, M + MINUTE_MS)).toStrictEqual([]);
    ticks.publish([partitionTick({ version: 5, saleCount: 31 })]);
    expect(view.partitionsBetween(M, M + MINUTE_MS)[0]).toMatchObject({ version: 5, saleCount: 31 });
    expect(view.size()).toBe(2);
  });

  it("ignores a store tick that is not a window's (malformed)", () => {
    const { ticks, view } = setup();
    ticks.publish([tick({ minute: M + 1 }), tick({ firstEventAt: M - 1 }), tick({ lastEventAt: M + MINUTE_MS })]);
    expect(view.between(0, Number.MAX_SAFE_INTEGER)).toStrictEqual([]);
    expect(view.size()).toBe(0);
  });

  it("stops taking ticks when closed", () => {
    const { ticks, view } = setup();
    view.close();
    ticks.publish([tick()]);
    expect(view.size()).toBe(0);
  });
});
