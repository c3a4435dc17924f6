/**
 * JSON text of single values, equal to `JSON.stringify` of them, for building the ingest path's
 * strings by hand (one string per event, no intermediate objects or arrays).
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
