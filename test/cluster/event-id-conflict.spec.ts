import pg from "pg";
import { describe, expect, it } from "vitest";
import { saleEvent, waitFor } from "../support/embedded-app.ts";
import { clusterAppPerFile } from "./support.ts";

describe("the same eventId with a different payload, on the real stack (PostgreSQL fingerprints)", () => {
  const cluster = clusterAppPerFile(2);

  const post = (body: unknown) => cluster.app.runtime.app.inject({ method: "POST", url: "/v1/sales", payload: body as object });

  it("is a 409 with a stable code; the same payload stays a duplicate; nothing of the refused request is appended", async () => {
    const e = saleEvent({ storeId: "conflict-store" });
    expect((await post(e)).json()).toEqual({ accepted: 1, duplicates: 0 });
    expect((await post(e)).json()).toEqual({ accepted: 0, duplicates: 1 });
    const fresh = saleEvent({ storeId: "conflict-store" });
    const res = await post([fresh, { ...e, currency: "USD" }]);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: "INTRADAY_EVENT_ID_CONFLICT", issues: [{ index: 1, path: "eventId" }] });
    expect((await post(fresh)).json()).toEqual({ accepted: 1, duplicates: 0 });

    const pool = new pg.Pool({ connectionString: cluster.env.PG_URL, max: 1 });
    try {
      // The id reaches the index behind the acknowledgement.
      const row = await waitFor(async () => (await pool.query("SELECT fingerprint FROM ingest_event_ids WHERE event_id = $1", [e.eventId])).rows[0] as { fingerprint: string } | undefined);
      expect(row.fingerprint).toMatch(/^-?\d+$/);
    } finally {
      await pool.end();
    }
  });
});
