import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { partitionFor } from "../../src/event-log/partitioner.ts";
import { saleEvent, startEmbedded, waitFor, type TestApp } from "../support/embedded-app.ts";

/**
 * Money past 2^53 (docs/money.md): a store-minute reaching exactly Number.MAX_SAFE_INTEGER is
 * served exactly; the event that would pass it is refused with its reason (listed with the late
 * events, counted in metrics) and the sum stays exact; an all-stores sum past the range fails with
 * 422 INTRADAY_AMOUNT_OUT_OF_RANGE instead of a rounded number.
 */

const MINUTE = 60_000;
const UNIT = 1_000_000_000_000; // 10^12 minor units: within any per-event cap
const MAX = Number.MAX_SAFE_INTEGER; // 9007199254740991 = 9007 × 10^12 + 199254740991

let t: TestApp;
beforeAll(async () => {
  t = await startEmbedded({ env: { PARTITIONS: "6", CHECKPOINT_MS: "100", SWEEP_INTERVAL_MS: "50" } });
});
afterAll(async () => {
  await t?.close();
});

async function post(events: object[]) {
  const r = await t.runtime.app.inject({ method: "POST", url: "/v1/sales", payload: events });
  expect(r.statusCode, r.body).toBe(202);
}

async function get(url: string) {
  return t.runtime.app.inject({ method: "GET", url });
}

describe("money past 2^53", () => {
  it("exactly MAX_SAFE_INTEGER is served exactly; +1 is refused loudly; an all-stores sum past it answers 422, never a rounded total", async () => {
    const storeId = `big-${randomUUID().slice(0, 8)}`;
    const m = Math.floor(Date.now() / MINUTE) * MINUTE - 2 * MINUTE;
    const at = new Date(m + 1000).toISOString();
    const sale = (price: number, id = randomUUID()) => saleEvent({ eventId: id, storeId, occurredAt: at, lines: [{ sku: "gold", quantity: 1, unitPriceMinor: price }] });
    const big = Array.from({ length: 9007 }, () => sale(UNIT));
    for (let i = 0; i < big.length; i += 1000) await post(big.slice(i, i + 1000));
    await post([sale(MAX - 9007 * UNIT)]);
    const refusedId = randomUUID();
    await post([sale(1, refusedId)]);

    const range = `from=${encodeURIComponent(new Date(m).toISOString())}&to=${encodeURIComponent(new Date(m + MINUTE).toISOString())}`;
    const late = await waitFor(async () => {
      const body = (await get(`/v1/late-events?${range}&storeId=${storeId}`)).json<{ lateEvents: { eventId: string; reason: string }[] }>();
      return body.lateEvents.find((e) => e.eventId === refusedId);
    }, 60_000);
    expect(late.reason).toMatch(/exceed 9007199254740991/);
    const row = await waitFor(async () => {
      const r = (await get(`/v1/stores/${storeId}/minutes?${range}`)).json<{ minutes: { saleCount: number; grossMinor: number; netMinor: number }[] }>().minutes[0];
      return r?.saleCount === 9008 && r;
    }, 60_000);
    expect(row).toMatchObject({ saleCount: 9008, grossMinor: MAX, netMinor: MAX });
    expect((await get("/metrics")).body).toMatch(/intraday_amount_out_of_range_total\{where="store_window"\} 1\b/);

    // Another store of the same log partition: the partition's all-stores sum leaves the exact range.
    let other = `nb-${randomUUID().slice(0, 8)}`;
    while (partitionFor(other, 6) !== partitionFor(storeId, 6)) other = `nb-${randomUUID().slice(0, 8)}`;
    await post([saleEvent({ storeId: other, occurredAt: at, lines: [{ sku: "x", quantity: 1, unitPriceMinor: 1 }] })]);
    const refused = await waitFor(async () => {
      const r = await get(`/v1/minutes?${range}`);
      return r.statusCode === 422 && r;
    }, 60_000);
    expect(refused.json()).toMatchObject({ code: "INTRADAY_AMOUNT_OUT_OF_RANGE" });
    // The store's own row is still served exactly.
    expect((await get(`/v1/stores/${storeId}/minutes?${range}`)).json<{ minutes: { grossMinor: number }[] }>().minutes[0]!.grossMinor).toBe(MAX);
  });
});
