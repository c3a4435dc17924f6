import { afterEach, describe, expect, it } from "vitest";
import { startEmbedded, type TestApp } from "../support/embedded-app.ts";

/** A store that is down answers 503 with a stable code and Retry-After, not 500 INTRADAY_INTERNAL. */
describe("queries while the projection store is unavailable (embedded SQLite closed)", () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it("answers 503 INTRADAY_STORAGE_UNAVAILABLE, retryable, with Retry-After, on every read route", async () => {
    t = await startEmbedded();
    const app = t.runtime.app;
    const from = new Date(Date.now() - 600_000).toISOString();
    const to = new Date().toISOString();
    const urls = [`/v1/minutes?from=${from}&to=${to}`, `/v1/stores/s-1/minutes?from=${from}&to=${to}`, `/v1/top-stores?from=${from}&to=${to}&currency=EUR`, `/v1/late-events?from=${from}&to=${to}`, "/v1/stores"];
    for (const url of urls) expect((await app.inject({ method: "GET", url })).statusCode, url).toBe(200);
    // The embedded projections share one SQLite database; closing it is the store going away.
    await (t.runtime.adapters as unknown as { projections: { close(): Promise<void> } }).projections.close();
    for (const url of urls) {
      const r = await app.inject({ method: "GET", url });
      expect(r.statusCode, `${url}: ${r.body}`).toBe(503);
      expect(r.json()).toEqual({ error: "storage is unavailable; retry later", code: "INTRADAY_STORAGE_UNAVAILABLE", retryable: true });
      expect(r.headers["retry-after"]).toBe("5");
    }
  });
});
