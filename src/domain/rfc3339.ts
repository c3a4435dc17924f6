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
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The instant in epoch ms, or undefined when the text is not such a date-time or out of range. */
export function parseRfc3339(text: string): number | undefined {
  const m = RFC3339_PATTERN.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMin = 0;
  const offset = m[8]!;
  if (offset !== "Z" && offset !== "z") {
    const oh = Number(offset.slice(1, 3));
    const om = Number(offset.slice(4, 6));
    if (oh > 23 || om > 59) return undefined;
    offsetMin = (offset[0] === "-" ? -1 : 1) * (oh * 60 + om);
  }
  const ms = m[7] ? Number(m[7].slice(1, 4).padEnd(3, "0")) : 0;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  const t = date.getTime() - offsetMin * 60_000;
  return t >= EARLIEST_EVENT_MS && t < END_OF_EVENT_TIME_MS ? t : undefined;
}
