/**
 * RFC 3339 `date-time` (section 5.6) with a mandatory offset, as the event contract accepts it:
 * `T`/`t` separator, `Z`/`z` or ±hh:mm offset, 1–9 fraction digits (kept to the millisecond).
 * Leap seconds (`:60`) are refused: JavaScript, PostgreSQL and Cassandra timestamps cannot hold
 * them, so a client sends `:59.999` instead. Years 2000–9999 only (in UTC), a range every store holds.
 */
export const RFC3339_PATTERN =
  /^(2\d{3}|[3-9]\d{3})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(\.\d{1,9})?([Zz]|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

export const EARLIEST_EVENT_MS = Date.UTC(2000, 0, 1);
/** Exclusive: the first instant of year 10000. */
export const END_OF_EVENT_TIME_MS = Date.UTC(10000, 0, 1);

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The two decimal digits at i and i + 1, or -1. */
function twoDigits(text: string, i: number): number {
  const a = text.charCodeAt(i) - 48;
  const b = text.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

const isDigit = (c: number) => c >= 48 && c <= 57;

/**
 * The instant in epoch ms, or undefined when the text is not such a date-time or out of range.
 * Reads the text by character codes (it runs for every event at ingest and in every consumer: the
 * regex match, its strings and two Dates per call were 3 % of a consumer's CPU, plus their garbage);
 * a property test holds it equal to RFC3339_PATTERN.
 */
export function parseRfc3339(text: string): number | undefined {
  if (text.length < 20) return undefined;
  const y1 = twoDigits(text, 0);
  const y2 = twoDigits(text, 2);
  if (y1 < 20 || y2 < 0) return undefined;
  const year = y1 * 100 + y2;
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return undefined;
  const t = text.charCodeAt(10);
  if (t !== 84 && t !== 116) return undefined; // T t
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  const second = twoDigits(text, 17);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  let i = 19;
  let ms = 0;
  if (text.charCodeAt(i) === 46) {
    // 1–9 fraction digits, kept to the millisecond
    let n = 0;
    while (isDigit(text.charCodeAt(i + 1 + n))) {
      if (n < 3) ms = ms * 10 + (text.charCodeAt(i + 1 + n) - 48);
      n += 1;
    }
    if (n < 1 || n > 9) return undefined;
    for (let k = n; k < 3; k++) ms *= 10;
    i += 1 + n;
  }
  let offsetMin = 0;
  const o = text.charCodeAt(i);
  if (o === 90 || o === 122) {
    if (text.length !== i + 1) return undefined; // Z z
  } else if (o === 43 || o === 45) {
    if (text.length !== i + 6 || text.charCodeAt(i + 3) !== 58) return undefined; // ±hh:mm
    const oh = twoDigits(text, i + 1);
    const om = twoDigits(text, i + 4);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return undefined;
    offsetMin = (o === 45 ? -1 : 1) * (oh * 60 + om);
  } else return undefined;
  const at = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMin * 60_000;
  return at >= EARLIEST_EVENT_MS && at < END_OF_EVENT_TIME_MS ? at : undefined;
}
