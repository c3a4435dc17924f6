import fc from "fast-check";
import type { SaleEvent } from "../domain/event.ts";

/** Any string (quotes, backslashes, control characters, lone surrogates, astral characters) and any number. */
export const anyText = fc.oneof(fc.string({ unit: "binary" }), fc.string({ unit: fc.constantFrom('"', "\\", "\u0000", "\u001f", "\u007f", "\ud800", "\udc00", "é", "a") }), fc.uuid());
export const anyNumber = fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.double(), fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1e21, 5e-7));

/** An event of any field values, valid or not: for encoders that must agree with JSON.stringify whatever they are given. */
export const anyEvent: fc.Arbitrary<SaleEvent> = fc.record({
  eventId: anyText,
  storeId: anyText,
  occurredAt: anyText,
  occurredAtMs: anyNumber,
  type: fc.constantFrom("sale", "refund") as fc.Arbitrary<SaleEvent["type"]>,
  currency: anyText,
  lines: fc.array(fc.record({ sku: anyText, quantity: anyNumber, unitPriceMinor: anyNumber }), { maxLength: 4 }),
  totalMinor: anyNumber,
  itemCount: anyNumber,
});
