import { decodeEvent, type SaleEvent } from "./event.ts";

/** Test fixtures of the event contract's unit tests: one valid event v1 input, and its decoding. */
export const UUID = "3f2c1a9e-8b7d-4c6e-9f01-23456789abcd";

export function valid(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventId: UUID,
    storeId: "store-1",
    occurredAt: "2026-11-27T10:15:30Z",
    type: "sale",
    currency: "EUR",
    lines: [
      { sku: "apple", quantity: 3, unitPriceMinor: 120 },
      { sku: "pear", quantity: 1, unitPriceMinor: 99 },
    ],
    ...over,
  };
}

export function accepted(value: unknown): SaleEvent {
  const r = decodeEvent(value);
  if (!r.ok) throw new Error(`expected acceptance, got ${JSON.stringify(r.issues)}`);
  return r.event;
}
