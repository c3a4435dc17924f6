import { describe, expect, it } from "vitest";
import { decodeConsumedRecord } from "./record-decoder.ts";

const base = {
  schemaVersion: 1,
  eventId: "7b0c3a3e-1f7e-4c55-9d61-0c6f3f1b2a10",
  storeId: "store-1",
  occurredAt: "2026-11-27T10:15:30+01:00",
  type: "sale",
  currency: "EUR",
  lines: [{ sku: "espresso", quantity: 2, unitPriceMinor: 250 }],
};
const decode = (over: Record<string, unknown>) => decodeConsumedRecord(JSON.stringify({ ...base, ...over }));

describe("decodeConsumedRecord", () => {
  it("accepts a normal event", () => {
    expect(decode({}).ok).toBe(true);
  });
  it("refuses a sku with U+0000, naming the line", () => {
    const r = decode({ lines: [{ sku: "a", quantity: 1, unitPriceMinor: 1 }, { sku: "es\u0000presso", quantity: 1, unitPriceMinor: 1 }] });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/^lines\.1\.sku: .*control characters/);
  });
  it("refuses a lone surrogate", () => {
    const r = decode({ lines: [{ sku: "x\ud800", quantity: 1, unitPriceMinor: 1 }] });
    expect(r.ok).toBe(false);
  });
  it("refuses occurredAt in year 0000 and before the contract's first instant (2000-01-01T00:00:00Z, offsets included)", () => {
    for (const occurredAt of ["0000-06-01T00:00:00Z", "1999-12-31T23:59:59Z", "2000-01-01T00:30:00+01:00"]) {
      const r = decode({ occurredAt });
      expect(r.ok, occurredAt).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(/^occurredAt: /);
    }
    expect(decode({ occurredAt: "2000-01-01T00:00:00Z" }).ok).toBe(true);
    expect(decode({ occurredAt: "9999-12-31T23:59:59Z" }).ok).toBe(true);
  });
  it("keeps the decoder's own reasons", () => {
    expect(decodeConsumedRecord("{")).toMatchObject({ ok: false });
    expect(decodeConsumedRecord(null)).toEqual({ ok: false, reason: "record has no value" });
  });
});

describe("decodeRecordOnPartition", () => {
  it("refuses a record on another partition than its store's, as the window group does", async () => {
    const { decodeRecordOnPartition, decodeSummaryOnPartition } = await import("./record-decoder.ts");
    const { partitionFor } = await import("../event-log/partitioner.ts");
    const value = JSON.stringify(base);
    const home = partitionFor("store-1", 6);
    const at = (partition: number) => ({ partition, offset: 0, key: "store-1", value, appendTime: 0 });
    expect(decodeRecordOnPartition(at(home), 6).ok).toBe(true);
    expect(decodeRecordOnPartition(at((home + 1) % 6), 6)).toEqual({ ok: false, reason: `store store-1 belongs to partition ${home}, not ${(home + 1) % 6} (records must be keyed by storeId)` });
    expect(decodeSummaryOnPartition(at(home), 6).ok).toBe(true);
    expect(decodeSummaryOnPartition(at((home + 1) % 6), 6)).toEqual(decodeRecordOnPartition(at((home + 1) % 6), 6));
  });
});
