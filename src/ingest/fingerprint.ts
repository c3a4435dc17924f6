import { createHash } from "node:crypto";
import type { SaleEvent } from "../domain/event.ts";

/**
 * 8 bytes (a signed 64-bit integer, so it fits PostgreSQL `bigint` and SQLite `INTEGER`) of the
 * SHA-256 of the event's canonical payload: what it says, not how it was spelt. The same instant
 * written with another offset, or an upper-case event id, is the same event; any other difference
 * is a different payload. 2^-64 collision odds per pair of payloads of one event id.
 */
export function fingerprintOf(e: SaleEvent): bigint {
  const canonical = JSON.stringify([e.storeId, e.occurredAtMs, e.type, e.currency, e.lines.map((l) => [l.sku, l.quantity, l.unitPriceMinor])]);
  return createHash("sha256").update(canonical).digest().readBigInt64BE(0);
}
