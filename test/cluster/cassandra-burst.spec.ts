import { describe, expect, it } from "vitest";
import type { MinuteRow } from "../../src/domain/minute-row.ts";
import { cassandraProjectionPerFile } from "./support.ts";

/**
 * A minute boundary with thousands of stores: every store opens a window (a read) while checkpoints
 * write. The driver refuses requests beyond 2,048 in flight per connection (BusyConnectionError);
 * the projection queues them instead.
 */
describe("a burst of statements larger than the driver takes at once", () => {
  const cassandra = cassandraProjectionPerFile();
  const minute = Date.UTC(2026, 10, 27, 11, 0);
  const STORES = 5000;
  const row = (i: number): MinuteRow => ({
    storeId: `burst-${i}`, minute, currency: "EUR", saleCount: 1, refundCount: 0, grossMinor: 100 + i, refundMinor: 0, itemCount: 1,
    firstEventAt: minute, lastEventAt: minute, partition: i % 3, offset: i, revision: 1, provisional: true, eventIds: [`00000000-0000-4000-8000-${String(i).padStart(12, "0")}`],
  });

  it("is queued, not refused: 5,000 rows written and 5,000 windows read back at once", async () => {
    const rows = Array.from({ length: STORES }, (_, i) => row(i));
    await cassandra.store.writeRows(rows); // 10,000 statements
    const loaded = await Promise.all(rows.map((r) => cassandra.store.loadRows(r.storeId, [{ minute, currency: "EUR" }])));
    expect(loaded.map((l) => l[0]?.grossMinor)).toEqual(rows.map((r) => r.grossMinor));
  });
});
