import { minuteOf } from "../../domain/time.ts";

const TAB = 9;
const NEWLINE = 10;
const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/**
 * Rows of PostgreSQL's COPY text format written straight into one growing buffer: no string per
 * field, per row or per batch (which at raw history's rate was a large share of its garbage).
 */
export class CopyTextBuffer {
  private buf: Buffer;
  private at = 0;
  private rowStart = true;
  /** The last minute a timestamp fell in, and its "YYYY-MM-DDTHH:MM:" prefix. */
  private minute = Number.NaN;
  private minutePrefix = "";

  constructor(expectedBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(Math.max(1024, expectedBytes));
  }

  /** A text field; backslash, tab, newline and carriage return are escaped as COPY requires. */
  text(s: string): this {
    const value = SPECIAL.test(s) ? s.replace(SPECIALS, (c) => ESCAPES[c]!) : s;
    this.separate(value.length * 3);
    this.at += this.buf.write(value, this.at);
    return this;
  }

  /** A safe integer field. */
  int(n: number): this {
    if (!Number.isSafeInteger(n)) throw new RangeError(`COPY integer field: ${n} is not a safe integer`);
    this.separate(17);
    let v = n;
    if (v < 0) {
      this.buf[this.at++] = 45;
      v = -v;
    }
    const first = this.at;
    do {
      this.buf[this.at++] = 48 + (v % 10);
      v = Math.floor(v / 10);
    } while (v > 0);
    for (let i = first, j = this.at - 1; i < j; i++, j--) {
      const d = this.buf[i]!;
      this.buf[i] = this.buf[j]!;
      this.buf[j] = d;
    }
    return this;
  }

  /** An instant (epoch ms) as ISO 8601 UTC with milliseconds, as `Date.prototype.toISOString` writes it. */
  timestamp(ms: number): this {
    const minute = minuteOf(ms);
    if (minute !== this.minute) {
      this.minute = minute;
      this.minutePrefix = new Date(minute).toISOString().slice(0, -7); // without "SS.mmmZ"
    }
    const into = ms - minute;
    this.text(this.minutePrefix);
    this.ensure(7);
    this.twoDigits(Math.floor(into / 1000));
    this.buf[this.at++] = 46; // "."
    const milli = into % 1000;
    this.buf[this.at++] = 48 + Math.floor(milli / 100);
    this.twoDigits(milli % 100);
    this.buf[this.at++] = 90; // "Z"
    return this;
  }

  endRow(): this {
    this.ensure(1);
    this.buf[this.at++] = NEWLINE;
    this.rowStart = true;
    return this;
  }

  /** The rows written so far (a view of the buffer, not a copy). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.at);
  }

  private twoDigits(n: number): void {
    this.buf[this.at++] = 48 + Math.floor(n / 10);
    this.buf[this.at++] = 48 + (n % 10);
  }

  /** The tab before a field that is not first in its row, and room for the field. */
  private separate(fieldBytes: number): void {
    this.ensure(fieldBytes + 1);
    if (!this.rowStart) this.buf[this.at++] = TAB;
    this.rowStart = false;
  }

  private ensure(bytes: number): void {
    if (this.at + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + bytes));
    this.buf.copy(grown, 0, 0, this.at);
    this.buf = grown;
  }
}
