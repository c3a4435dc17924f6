import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saleEvent, startEmbedded, type TestApp } from "../support/embedded-app.ts";

describe("the same eventId with a different payload (embedded)", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startEmbedded();
  });
  afterAll(() => t.close());

  const post = (body: unknown) => t.runtime.app.inject({ method: "POST", url: "/v1/sales", payload: body as object });

  it("the same payload again is a duplicate (a retry); the same instant with another offset and an upper-case id is the same payload", async () => {
    const e = saleEvent({ occurredAt: "2026-11-27T10:15:30+01:00" });
    expect((await post(e)).json()).toEqual({ accepted: 1, duplicates: 0 });
    expect((await post(e)).json()).toEqual({ accepted: 0, duplicates: 1 });
    const respelt = { ...e, eventId: String(e.eventId).toUpperCase(), occurredAt: "2026-11-27T09:15:30Z" };
    expect((await post(respelt)).json()).toEqual({ accepted: 0, duplicates: 1 });
  });

  it("another payload is 409 INTRADAY_EVENT_ID_CONFLICT naming the event, and nothing of the request is appended", async () => {
    const e = saleEvent();
    expect((await post(e)).statusCode).toBe(202);
    const fresh = saleEvent();
    const changed = { ...e, lines: [{ sku: "sku-1", quantity: 3, unitPriceMinor: 250 }] };
    const res = await post([fresh, changed]);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      code: "INTRADAY_EVENT_ID_CONFLICT",
      issues: [{ index: 1, path: "eventId", message: `eventId ${e.eventId} was already accepted with a different payload` }],
    });
    // The other event of the refused request was not appended: sending it alone is accepted.
    expect((await post(fresh)).json()).toEqual({ accepted: 1, duplicates: 0 });
  });

  it("within one request: the same id twice with different payloads is a conflict, with the same payload one event", async () => {
    const e = saleEvent();
    const res = await post([e, { ...e, currency: "USD" }]);
    expect(res.statusCode).toBe(409);
    expect(res.json().issues).toEqual([{ index: 1, path: "eventId", message: `eventId ${e.eventId} was already accepted with a different payload` }]);
    expect((await post([e, e])).json()).toEqual({ accepted: 1, duplicates: 1 });
  });

  it("two concurrent requests (one group commit) with the same id and different payloads: one wins, the other conflicts", async () => {
    const e = saleEvent();
    const [a, b] = await Promise.all([post(e), post({ ...e, type: "refund" })]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([202, 409]);
  });

  it("survives a restart: the fingerprint is stored with the id", async () => {
    const e = saleEvent();
    expect((await post(e)).statusCode).toBe(202);
    const dataDir = t.dataDir;
    await t.close({ keepData: true });
    t = await startEmbedded({ dataDir });
    expect((await post({ ...e, storeId: "store-2" })).statusCode).toBe(409);
    expect((await post(e)).json()).toEqual({ accepted: 0, duplicates: 1 });
  });
});
