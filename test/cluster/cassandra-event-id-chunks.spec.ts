import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { MinuteRow } from "../../src/domain/minute-row.ts";
import { utcDay } from "../../src/domain/time.ts";
import { writeTimestamp } from "../../src/projections/cassandra/cassandra-minute-projection.ts";
import { cassandraProjectionPerFile } from "./support.ts";

describe("Cassandra window event ids: appended chunks, rows of the whole-list layout still readable", () => {
  const cassandra = cassandraProjectionPerFile();

  const minute = Date.UTC(2026, 10, 27, 10, 0);
  const row = (storeId: string, offset: number, revision: number, eventIds: string[], idsFrom?: number): MinuteRow => ({
    storeId, minute, currency: "EUR", saleCount: 1, refundCount: 0, grossMinor: 100, refundMinor: 0, itemCount: 1,
    firstEventAt: minute, lastEventAt: minute + 1000, partition: 1, offset, revision, provisional: true, eventIds, ...(idsFrom ? { idsFrom } : {}),
  });

  it("reads a row written before the migration (whole list in event_ids), and appends after it", async () => {
    const old = [randomUUID(), randomUUID()];
    const legacy = row("s-legacy", 10, 1, old);
    await cassandra.client.execute(
      "INSERT INTO minutes_by_store (store_id, day, minute, currency, sale_count, source_partition, source_offset, revision, provisional, event_ids) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?",
      ["s-legacy", utcDay(minute), new Date(minute), "EUR", 2n, 1, 10n, 1, true, old.join(","), writeTimestamp(legacy)],
      { prepare: true },
    );
    const [loaded] = await cassandra.store.loadRows("s-legacy", [{ minute, currency: "EUR" }]);
    expect(loaded!.eventIds).toEqual(old);

    const added = randomUUID();
    await cassandra.store.writeRows([row("s-legacy", 12, 2, [added], 2)]);
    const [again] = await cassandra.store.loadRows("s-legacy", [{ minute, currency: "EUR" }]);
    expect(again!.eventIds).toEqual([...old, added]);
  });

  it("a writer of the previous version during a rolling upgrade (whole list in event_ids, id_count left stale) loses no id", async () => {
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    await cassandra.store.writeRows([row("s-upgrade", 10, 1, ids.slice(0, 2))]);
    const previous = row("s-upgrade", 12, 2, ids);
    await cassandra.client.execute(
      "UPDATE minutes_by_store USING TIMESTAMP ? SET sale_count = ?, source_offset = ?, revision = ?, event_ids = ? WHERE store_id = ? AND day = ? AND minute = ? AND currency = ?",
      [writeTimestamp(previous), 3n, 12n, 2, ids.join(","), "s-upgrade", utcDay(minute), new Date(minute), "EUR"],
      { prepare: true },
    );
    const [loaded] = await cassandra.store.loadRows("s-upgrade", [{ minute, currency: "EUR" }]);
    expect(loaded!.eventIds).toEqual(ids);

    await cassandra.store.writeRows([row("s-upgrade", 14, 3, ids)]); // a whole-list write of this version clears the old column
    const [replaced] = await cassandra.store.loadRows("s-upgrade", [{ minute, currency: "EUR" }]);
    expect(replaced!.eventIds).toEqual(ids);
    const raw = await cassandra.client.execute("SELECT event_ids FROM minutes_by_store WHERE store_id = ? AND day = ? AND minute = ? AND currency = ?", ["s-upgrade", utcDay(minute), new Date(minute), "EUR"], { prepare: true });
    expect(raw.first().get("event_ids")).toBeNull();
  });

  it("a stale writer's chunk at the same positions (same ids: the list follows the log) leaves the list intact; its row loses", async () => {
    const ids = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await cassandra.store.writeRows([row("s-stale", 10, 1, ids.slice(0, 2))]);
    await cassandra.store.writeRows([row("s-stale", 30, 3, ids.slice(2), 2)]); // new owner, after loading the first two
    await cassandra.store.writeRows([row("s-stale", 20, 2, ids.slice(2, 3), 2)]); // the old owner, behind
    const [loaded] = await cassandra.store.loadRows("s-stale", [{ minute, currency: "EUR" }]);
    expect(loaded).toMatchObject({ offset: 30, revision: 3 });
    expect(loaded!.eventIds).toEqual(ids);
  });

  it("refuses to load a window whose ids do not cover its count, rather than count a duplicate twice", async () => {
    await cassandra.store.writeRows([row("s-gap", 10, 1, [randomUUID()])]);
    await cassandra.store.writeRows([row("s-gap", 20, 2, [randomUUID()], 3)]); // positions 1 and 2 were never stored
    await expect(cassandra.store.loadRows("s-gap", [{ minute, currency: "EUR" }])).rejects.toThrow(/s-gap .*hold 1 of 4/);
  });
});
