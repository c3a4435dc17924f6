import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { partitionFor } from "../../src/event-log/partitioner.ts";
import type { SqliteProjections } from "../../src/projections/embedded/sqlite-projections.ts";
import { saleEvent, startEmbedded, waitFor, type TestApp } from "../support/embedded-app.ts";

describe("a partition that stops making progress (embedded)", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startEmbedded({ env: { STALL_AFTER_MS: "1000", CHECKPOINT_MS: "200", SWEEP_INTERVAL_MS: "100" } });
  });
  afterAll(() => t.close());

  it("is reported by /readyz (503, naming group and partition) and /metrics, while the write is retried", async () => {
    const post = (storeId: string) => t.runtime.app.inject({ method: "POST", url: "/v1/sales", payload: saleEvent({ storeId }) });
    expect((await t.runtime.app.inject({ url: "/readyz" })).statusCode).toBe(200);
    // The projections become unwritable: every write of the window group fails from now on.
    await (t.runtime.adapters as unknown as { projections: SqliteProjections }).projections.close();
    expect((await post("stall-store")).statusCode).toBe(202);
    const partition = partitionFor("stall-store", t.settings.PARTITIONS);
    const ready = await waitFor(async () => {
      const r = await t.runtime.app.inject({ url: "/readyz" });
      return r.statusCode === 503 ? r.json<{ checks: Record<string, string> }>() : null;
    }, 20_000, 200);
    expect(ready.checks.stalledPartitions).toMatch(new RegExp(`^error: \\d+ stalled partition\\(s\\): .*group ${t.settings.KAFKA_GROUP} partition ${partition} lag \\d+ without progress for \\d+ s`));
    const metrics = (await t.runtime.app.inject({ url: "/metrics" })).body;
    expect(metrics).toMatch(new RegExp(`intraday_consumer_stalled_partitions\\{group="${t.settings.KAFKA_GROUP}"\\} [1-9]`));
    expect(metrics).toMatch(new RegExp(`intraday_consumer_lag\\{group="${t.settings.KAFKA_GROUP}",partition="${partition}"\\} [1-9]`));
  });
});
