import { hash } from "node:crypto";
import type { SaleEvent } from "../domain/event.ts";
import { jsonNumber as n, jsonString as q } from "../shared/json-text.ts";

/**
 * 8 bytes (a signed 64-bit integer, so it fits PostgreSQL `bigint` and SQLite `INTEGER`) of the
 * SHA-256 of the event's canonical payload: what it says, not how it was spelt. The same instant
 * written with another offset, or an upper-case event id, is the same event; any other difference
 * is a different payload. 2^-64 collision odds per pair of payloads of one event id.
 *
 * Fingerprints are stored (ingest id indexes), so the canonical text must never change: it is
 * `JSON.stringify([storeId, occurredAtMs, type, currency, [[sku, quantity, unitPriceMinor], …]])`,
 * built here by hand (one string, no intermediate arrays) and hashed one-shot; the unit test holds
 * it byte-equal to that expression.
 */
export function fingerprintOf(e: SaleEvent): bigint {
  return hash("sha256", canonicalPayload(e), "buffer").readBigInt64BE(0);
}

export function canonicalPayload(e: SaleEvent): string {
  let lines = "";
  for (let i = 0; i < e.lines.length; i++) {
    const l = e.lines[i]!;
    lines += `${i === 0 ? "" : ","}[${q(l.sku)},${n(l.quantity)},${n(l.unitPriceMinor)}]`;
  }
  return `[${q(e.storeId)},${n(e.occurredAtMs)},${q(e.type)},${q(e.currency)},[${lines}]]`;
}
