import { describe, expect, it } from "vitest";
import type { MinuteRow } from "../../src/domain/minute-row.ts";
import { cassandraProjectionPerFile } from "./support.ts";

describe("Cassandra minute rows never move backwards", () => {
  const cassandra = cassandraProjectionPerFile();

  const minute = Date.UTC(2026, 10, 27, 10, 0);
  const row = (offset: number, revision: number, saleCount: number, provisional: boolean): MinuteRow => ({
    storeId: "s-order", minute, currency: "EUR", saleCount, refundCount: 0, grossMinor: saleCount * 100, refundMinor: 0, itemCount: saleCount,
    firstEventAt: minute, lastEventAt: minute + 1000, partition: 1, offset, revision, provisional, eventIds: [],
  });

  it("ignores a stale writer's older row (a consumer that lost its partition) in both tables", async () => {
    await cassandra.store.writeRows([row(200, 4, 20, true)]);
    await cassandra.store.writeRows([row(150, 5, 15, true)]);
    const [byStore] = await cassandra.store.storeRows("s-order", minute, minute + 60_000);
    const [byDay] = await cassandra.store.allRows(minute, minute + 60_000);
    expect(byStore).toMatchObject({ offset: 200, saleCount: 20 });
    expect(byDay).toMatchObject({ offset: 200, saleCount: 20 });
  });

  it("takes the closing write of the same offset with a higher revision", async () => {
    await cassandra.store.writeRows([row(200, 5, 20, false)]);
    const [r] = await cassandra.store.storeRows("s-order", minute, minute + 60_000);
    expect(r).toMatchObject({ offset: 200, revision: 5, provisional: false });
  });
});
