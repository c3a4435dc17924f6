import type { RowView } from "./minute-row.ts";

/** Test fixture: a row's view with every field set (times within its minute), overridable. */
export function sampleRowView(over: Partial<RowView> = {}): RowView {
  const minute = Date.UTC(2026, 10, 30, 10, 15);
  return {
    storeId: "s-1",
    minute,
    currency: "EUR",
    saleCount: 3,
    refundCount: 1,
    grossMinor: 1_000,
    refundMinor: 200,
    itemCount: 5,
    firstEventAt: minute + 1_234,
    lastEventAt: minute + 59_999,
    partition: 2,
    offset: 41,
    revision: 7,
    provisional: true,
    ...over,
  };
}
