/** The signature, flags and header-extension length that open every binary COPY stream. */
const HEADER = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
const TWO_TO_32 = 4294967296;
/** PostgreSQL's timestamps count microseconds from 2000-01-01T00:00:00Z. */
const PG_EPOCH_MS = Date.UTC(2000, 0, 1);
const JSONB_VERSION = 1;
const DASH = 45;
/** Up to this many characters, ASCII text is copied by hand (see utf8). */
const SHORT_TEXT = 32;

/**
 * Rows of PostgreSQL's binary COPY format written straight into one growing buffer. PostgreSQL then
 * reads integers, instants and uuids as they are stored instead of parsing their text (raw history's
 * COPY took about 30 % less of the server's time so, docs/benchmarks-cluster.md, session 37), and an
 * instant is exactly the millisecond it is given: no text for the server to round.
 *
 * Each field's bytes must be the column type's binary form, so the writer names the type: `uuid`,
 * `text` (also char(n)), `int4`, `int8`, `timestamptz` and `jsonb`.
 */
export class CopyBinaryBuffer {
  private buf: Buffer;
  private at = 0;

  constructor(expectedBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(Math.max(1024, expectedBytes, HEADER.length));
    this.at = HEADER.copy(this.buf, 0);
  }

  /** Starts a row of `fields` fields; exactly that many field writes must follow. */
  row(fields: number): this {
    this.ensure(2);
    this.at = this.buf.writeInt16BE(fields, this.at);
    return this;
  }

  /** A text (or char(n)) field, UTF-8. */
  text(s: string): this {
    this.ensure(4 + s.length * 3);
    const bytes = this.utf8(s, this.at + 4);
    this.buf.writeInt32BE(bytes, this.at);
    this.at += 4 + bytes;
    return this;
  }

  /** A jsonb field: its version byte, then the JSON text. */
  jsonb(json: string): this {
    this.ensure(5 + json.length * 3);
    this.buf[this.at + 4] = JSONB_VERSION;
    const bytes = this.utf8(json, this.at + 5);
    this.buf.writeInt32BE(bytes + 1, this.at);
    this.at += 5 + bytes;
    return this;
  }

  /** A uuid field from its 36-character text (either case). */
  uuid(id: string): this {
    this.ensure(20);
    const buf = this.buf;
    let at = buf.writeInt32BE(16, this.at);
    let bad = id.length === 36 && id.charCodeAt(8) === DASH && id.charCodeAt(13) === DASH && id.charCodeAt(18) === DASH && id.charCodeAt(23) === DASH ? 0 : -1;
    for (let i = 0; i < 36 && bad === 0; i += 2) {
      if (i === 8 || i === 13 || i === 18 || i === 23) i++;
      const high = hexValue(id.charCodeAt(i));
      const low = hexValue(id.charCodeAt(i + 1));
      bad = (high | low) & ~15; // either is -1 (not a hex digit)
      buf[at++] = (high << 4) | low;
    }
    if (bad !== 0) throw new RangeError(`COPY uuid field: ${JSON.stringify(id)} is not a UUID`);
    this.at = at;
    return this;
  }

  /** An integer field of 4 bytes. */
  int4(n: number): this {
    if (!Number.isInteger(n) || n < -2147483648 || n > 2147483647) throw new RangeError(`COPY int4 field: ${n} is not a 32-bit integer`);
    this.ensure(8);
    this.at = this.buf.writeInt32BE(4, this.at);
    this.at = this.buf.writeInt32BE(n, this.at);
    return this;
  }

  /** An integer field of 8 bytes, from a safe integer. */
  int8(n: number): this {
    if (!Number.isSafeInteger(n)) throw new RangeError(`COPY int8 field: ${n} is not a safe integer`);
    this.ensure(12);
    this.at = this.buf.writeInt32BE(8, this.at);
    this.int64(Math.floor(n / TWO_TO_32), n - Math.floor(n / TWO_TO_32) * TWO_TO_32);
    return this;
  }

  /** A timestamptz field: the instant `ms` (epoch milliseconds), exactly. */
  timestamptz(ms: number): this {
    if (!Number.isSafeInteger(ms)) throw new RangeError(`COPY timestamptz field: ${ms} is not an instant in milliseconds`);
    this.ensure(12);
    this.at = this.buf.writeInt32BE(8, this.at);
    // Microseconds since 2000 pass 2^53 in far years: multiplied by 1000 in two 32-bit halves, exactly.
    const d = ms - PG_EPOCH_MS;
    const high = Math.floor(d / TWO_TO_32);
    const low = (d - high * TWO_TO_32) * 1000; // < 2^42: exact
    const carry = Math.floor(low / TWO_TO_32);
    this.int64(high * 1000 + carry, low - carry * TWO_TO_32);
    return this;
  }

  /** The rows written so far and the end-of-data trailer (a view of the buffer, not a copy). Write nothing after. */
  end(): Buffer {
    this.ensure(2);
    this.at = this.buf.writeInt16BE(-1, this.at);
    return this.buf.subarray(0, this.at);
  }

  /** A two's-complement 64-bit integer from its signed high and unsigned low 32 bits. */
  private int64(high: number, low: number): void {
    this.at = this.buf.writeInt32BE(high, this.at);
    this.at = this.buf.writeUInt32BE(low, this.at);
  }

  /** Writes s as UTF-8 at `at` (room ensured) and returns its byte count; short ASCII by hand, which costs less than a call into Buffer#write. */
  private utf8(s: string, at: number): number {
    if (s.length > SHORT_TEXT) return this.buf.write(s, at);
    const buf = this.buf;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 127) return buf.write(s, at);
      buf[at + i] = c;
    }
    return s.length;
  }

  private ensure(bytes: number): void {
    if (this.at + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + bytes));
    this.buf.copy(grown, 0, 0, this.at);
    this.buf = grown;
  }
}

/** Each ASCII character's value as a hexadecimal digit (either case), or -1. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let d = 0; d < 10; d++) HEX_VALUE[48 + d] = d;
for (let d = 0; d < 6; d++) HEX_VALUE[65 + d] = HEX_VALUE[97 + d] = 10 + d;
const hexValue = (c: number): number => (c < 128 ? HEX_VALUE[c]! : -1);
