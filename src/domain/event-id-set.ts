/**
 * The event ids counted in one window, for exact duplicate detection of records that bypass
 * ingest's dedupe (another producer, or a crash between the log append and the id being recorded).
 * Exact (no hashing that could drop a real event), in insertion order (stores persist the list and
 * extend it), and compact: a canonical UUID — what validation lets through, lower-cased — is held
 * as its 16 bytes in a 16-character one-byte string (≈ 32 B on the heap instead of ≈ 56 B for the
 * 36-character text). Anything else (ids of rows written by other code) is kept as text behind a
 * marker that a packed id cannot contain.
 */
/** An id in the set's packed form (from EventIdSet.absent). */
export type PackedId = string & { readonly __packedId: unique symbol };

export class EventIdSet {
  /**
   * Up to SMALL ids in a plain array scanned linearly (≈ 4 B per id plus the 32-B packed string;
   * a Set costs ≈ 18 B per id more), then a Set. Both keep insertion order.
   */
  private small: string[] | null;
  private big: Set<string> | null = null;

  constructor(ids: Iterable<string> = []) {
    this.small = [];
    for (const id of ids) this.add(id);
  }

  get size(): number {
    return this.small ? this.small.length : this.big!.size;
  }

  has(id: string): boolean {
    return this.hasPacked(pack(id));
  }

  add(id: string): void {
    this.addPacked(pack(id));
  }

  /** The id's packed form when it is absent (for addAbsent), or null when present: one packing and one lookup. */
  absent(id: string): PackedId | null {
    const p = pack(id);
    return this.hasPacked(p) ? null : (p as PackedId);
  }

  /** Adds an id that `absent` just reported absent (nothing was added in between). */
  addAbsent(p: PackedId): void {
    this.insert(p);
  }

  private addPacked(p: string): void {
    if (!this.hasPacked(p)) this.insert(p);
  }

  private insert(p: string): void {
    if (this.small && this.small.length < SMALL) this.small.push(p);
    else if (this.small) {
      this.big = new Set(this.small);
      this.big.add(p);
      this.small = null;
    } else this.big!.add(p);
  }

  private hasPacked(p: string): boolean {
    const small = this.small;
    if (!small) return this.big!.has(p);
    for (let i = 0; i < small.length; i++) if (small[i] === p) return true;
    return false;
  }

  /** The ids as text, in the order they were added, from position `from` on. */
  toArray(from = 0): string[] {
    const out = new Array<string>(Math.max(0, this.size - from));
    if (this.small) {
      for (let i = from; i < this.small.length; i++) out[i - from] = unpack(this.small[i]!);
      return out;
    }
    let i = 0;
    for (const p of this.big!) if (i++ >= from) out[i - 1 - from] = unpack(p);
    return out;
  }
}

/** Sets up to this size are scanned: 16 compares of 16-character strings cost less than hashing one. */
const SMALL = 16;

const TEXT_MARKER = "\u0100";
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) HEX_VALUE[97 + i] = 10 + i;
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));
/** Where the 32 hex digits of a canonical UUID start, pairwise. */
const PAIRS = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
const bytes = new Array<number>(16);

function pack(id: string): string {
  if (id.length !== 36 || id.charCodeAt(8) !== 45 || id.charCodeAt(13) !== 45 || id.charCodeAt(18) !== 45 || id.charCodeAt(23) !== 45) return TEXT_MARKER + id;
  for (let i = 0; i < 16; i++) {
    const at = PAIRS[i]!;
    const hi = HEX_VALUE[id.charCodeAt(at)] ?? -1;
    const lo = HEX_VALUE[id.charCodeAt(at + 1)] ?? -1;
    if (hi < 0 || lo < 0) return TEXT_MARKER + id;
    bytes[i] = (hi << 4) | lo;
  }
  return String.fromCharCode(...bytes);
}

function unpack(p: string): string {
  if (p.charCodeAt(0) === 0x100) return p.slice(1);
  let s = "";
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += "-";
    s += HEX[p.charCodeAt(i)]!;
  }
  return s;
}
