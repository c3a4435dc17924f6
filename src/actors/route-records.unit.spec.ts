import { describe, expect, it } from "vitest";
import { decodeEvent } from "../domain/event.ts";
import { encodeForLog } from "../domain/log-record.ts";
import type { LogRecord } from "../event-log/ports.ts";
import { routeRecords } from "./route-records.ts";

const T = Date.UTC(2026, 0, 1, 10, 0);
const record = (offset: number, value: string | null): LogRecord => ({ partition: 1, offset, key: null, value, appendTime: T });
function event(storeId: string, n: number): string {
  const r = decodeEvent({
    eventId: `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`,
    storeId,
    occurredAt: new Date(T).toISOString(),
    type: "sale",
    currency: "EUR",
    lines: [{ sku: "a", quantity: 1, unitPriceMinor: 100 }],
  });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return encodeForLog(r.event);
}

describe("routeRecords (pure: the partition actor does the dead-lettering)", () => {
  it("groups readable events by store in log order and rejects unreadable and wrongly keyed records with the reason", () => {
    const partitionOf = (storeId: string) => (storeId.startsWith("other") ? 2 : 1);
    const { byStore, rejected } = routeRecords(
      [record(0, event("s1", 1)), record(1, null), record(2, event("s2", 2)), record(3, event("other-9", 3)), record(4, event("s1", 4)), record(5, "{not json")],
      1,
      partitionOf,
    );
    expect([...byStore].map(([s, es]) => [s, es.map((e) => e.offset)])).toEqual([
      ["s1", [0, 4]],
      ["s2", [2]],
    ]);
    expect(rejected.map((r) => r.record.offset)).toEqual([1, 3, 5]);
    expect(rejected[0]!.reason).toMatch(/no value/);
    expect(rejected[1]!.reason).toMatch(/belongs to partition 2, not 1/);
    expect(byStore.get("s1")![0]).toMatchObject({ partition: 1, offset: 0, appendTime: T, event: { storeId: "s1" } });
  });
});
