/**
 * JSON text equal to `JSON.stringify`'s, built by hand where it runs per event (ingest's
 * fingerprints, raw history's lines): one string per event, no intermediate objects or arrays.
 */

/** Strings JSON writes as they are, between quotes: no quote, backslash, control character or surrogate. */
// eslint-disable-next-line no-control-regex -- the pattern exists to find control characters
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

export function jsonString(s: string): string {
  return PLAIN.test(s) ? `"${s}"` : JSON.stringify(s);
}

export function jsonNumber(n: number): string {
  return Number.isFinite(n) ? `${n}` : "null";
}

/**
 * `JSON.stringify(lines)` of an event's lines (their keys in this order), by hand: about a third of
 * its CPU here, where raw history writes it for every event.
 */
export function jsonOfLines(lines: readonly { sku: string; quantity: number; unitPriceMinor: number }[]): string {
  let s = "[";
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    s += `${i === 0 ? "" : ","}{"sku":${jsonString(l.sku)},"quantity":${jsonNumber(l.quantity)},"unitPriceMinor":${jsonNumber(l.unitPriceMinor)}}`;
  }
  return s + "]";
}
