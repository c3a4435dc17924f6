import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SqliteLog } from "../../src/event-log/embedded/sqlite-log.ts";
import { partitionFor } from "../../src/event-log/partitioner.ts";
import type { SqliteProjections } from "../../src/projections/embedded/sqlite-projections.ts";
import { saleEvent, startEmbedded, waitFor, type TestApp } from "../support/embedded-app.ts";

/** A record as another producer would write it: event v1 JSON that the API would refuse. */
function record(overrides: Record<string, unknown>): string {
  return JSON.stringify({ schemaVersion: 1, ...saleEvent(overrides) });
}

describe("records no store can hold, written straight to the log (embedded)", () => {
  let t: TestApp;
  let log: SqliteLog;
  let projections: SqliteProjections;
  beforeAll(async () => {
    t = await startEmbedded({ env: { GRACE_MS: "0", IDLE_SLACK_MS: "0", CHECKPOINT_MS: "200", SWEEP_INTERVAL_MS: "100" } });
    ({ log, projections } = t.runtime.adapters as unknown as { log: SqliteLog; projections: SqliteProjections });
  });
  afterAll(() => t.close());

  it("go to the dead letters with their reason, and the events behind them in the partition are counted and kept", async () => {
    const storeId = "poison-store";
    const nul = record({ storeId, lines: [{ sku: "bad\u0000sku", quantity: 1, unitPriceMinor: 100 }] });
    const year0 = record({ storeId, occurredAt: "0000-01-01T00:00:00Z" });
    const good = saleEvent({ storeId, lines: [{ sku: "ok", quantity: 1, unitPriceMinor: 777 }] });
    const home = partitionFor(storeId, t.settings.PARTITIONS);
    const [nulOffset, year0Offset, goodOffset] = log.appendRaw([
      { key: storeId, value: nul },
      { key: storeId, value: year0 },
      { key: storeId, value: JSON.stringify({ schemaVersion: 1, ...good }) },
    ]);
    // Another store's event, keyed to this store's partition: neither counted nor kept in raw history.
    const stranger = saleEvent({ storeId: "stranger-store", lines: [{ sku: "x", quantity: 1, unitPriceMinor: 5 }] });
    const strangerPartition = (partitionFor("stranger-store", t.settings.PARTITIONS) + 1) % t.settings.PARTITIONS;
    const [strangerOffset] = log.appendRaw([{ key: "stranger-store", value: JSON.stringify({ schemaVersion: 1, ...stranger }), partition: strangerPartition }]);
    expect(home).toBeGreaterThanOrEqual(0);
    expect(goodOffset).toBe(year0Offset! + 1);

    const dead = await waitFor(async () => {
      const d = log.deadLetters().filter((x) => (x.partition === home && (x.offset === nulOffset || x.offset === year0Offset)) || (x.partition === strangerPartition && x.offset === strangerOffset));
      return d.length === 3 ? d : null;
    });
    const reasons = new Map(dead.filter((d) => d.partition === home).map((d) => [d.offset, d.reason]));
    expect(dead.find((d) => d.partition === strangerPartition)!.reason).toMatch(/^store stranger-store belongs to partition \d+, not \d+ \(records must be keyed by storeId\)$/);
    expect(reasons.get(nulOffset!)).toMatch(/^lines\.0\.sku: .*without control characters/);
    expect(reasons.get(year0Offset!)).toMatch(/^occurredAt: /);

    const now = Date.now();
    const q = `from=${new Date(now - 120_000).toISOString()}&to=${new Date(now + 60_000).toISOString()}`;
    await waitFor(async () => {
      const body = (await t.runtime.app.inject({ url: `/v1/stores/${storeId}/minutes?${q}` })).json<{ minutes: { netMinor: number }[] }>();
      return body.minutes.length === 1 && body.minutes[0]!.netMinor === 777;
    });
    await waitFor(async () => (await projections.rawHistory.eventsBetween(now - 120_000, now + 60_000)).some((e) => e.event.eventId === good.eventId));
    // Neither poison record is in raw history: nothing is counted that the totals do not count.
    const history = await projections.rawHistory.eventsBetween(Date.parse("0000-01-01T00:00:00Z"), now + 60_000);
    expect(history.filter((e) => e.event.storeId === storeId).map((e) => e.offset)).toEqual([goodOffset]);

    const committed = await waitFor(async () => {
      const lag = await t.runtime.adapters.rawHistoryConsumer.lag();
      return lag.every((l) => l.committed === l.end) ? lag : null;
    });
    expect(committed.length).toBeGreaterThan(0);
    // Raw history has read past the stranger record and left it out.
    const after = await projections.rawHistory.eventsBetween(now - 120_000, now + 60_000);
    expect(after.some((e) => e.event.eventId === stranger.eventId)).toBe(false);
    const ready = await t.runtime.app.inject({ url: "/readyz" });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks.stalledPartitions).toBe("none");
    expect((await t.runtime.app.inject({ url: "/metrics" })).body).toMatch(/intraday_consumer_stalled_partitions\{group="raw-history"\} 0/);
  });
});
