/**
 * The event ids counted in one window, for exact duplicate detection of records that bypass
 * ingest's dedupe (another producer, or a crash between the log append and the id being recorded).
 *
 * In memory a window keeps a 32-bit fingerprint per id (4 bytes) and the text only of ids not yet
 * stored (a write appends them to the row's id list). A fingerprint that is not there proves the id
 * new, which is the answer for almost every event. One that is there is checked against the ids
 * not yet stored, and then, if the window has stored ids, needs the stored list: the lookup answers
 * "unsure" and the store actor reads the row's ids once (learnStored). So a duplicate is never
 * counted and a new event never refused, whatever the hash does; a collision only costs a read.
 * The hash is seeded per process, so ids cannot be chosen to collide on purpose.
 */
export type IdFingerprint = (id: string) => number;

const SEED = (Math.random() * 0x1_0000_0000) | 0;

/** A seeded 32-bit hash of an id (murmur-style mixing of every UTF-16 unit). */
export function idFingerprint(id: string): number {
  let h = SEED ^ id.length;
  for (let i = 0; i < id.length; i++) {
    h = Math.imul(h ^ id.charCodeAt(i), 0x5bd1e995);
    h ^= h >>> 13;
  }
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  return h ^ (h >>> 13);
}

/** Fingerprints gathered in `recent` before they join the packed string. */
const RECENT_MAX = 32;
/** Past this many fingerprints a window switches to a Set: a scan of the packed string would grow with every event. */
const PACKED_MAX = 4096;

export class WindowIds {
  /** Fingerprints as two UTF-16 units each (high, low): 4 bytes per id on the heap, one flat string. */
  private packed = "";
  private recent: number[] | null = null;
  private big: Set<number> | null = null;
  /** Ids counted but not yet in the stored row, in the order counted: the next write appends them (null: none, which is most of a window's life). */
  private pendingIds: string[] | null = null;
  /** How many ids the stored row holds (this writer wrote or loaded them). */
  private storedCount: number;
  /** The stored ids as text, once read to settle an "unsure" lookup. */
  private storedExact: Set<string> | null = null;

  constructor(
    private readonly fingerprint: IdFingerprint,
    stored: readonly string[] = [],
  ) {
    this.storedCount = stored.length;
    for (const id of stored) this.addFingerprint(fingerprint(id));
    this.seal();
  }

  get stored(): number {
    return this.storedCount;
  }

  get size(): number {
    return this.storedCount + (this.pendingIds?.length ?? 0);
  }

  /**
   * The id's fingerprint when it is not counted here (pass it to add), "present" when it is, and
   * "unsure" when only the stored list can tell (see learnStored).
   */
  check(id: string): number | "present" | "unsure" {
    const fp = this.fingerprint(id);
    if (!this.hasFingerprint(fp)) return fp;
    if (this.pendingIds?.includes(id)) return "present";
    if (this.storedExact) return this.storedExact.has(id) ? "present" : fp;
    return this.storedCount === 0 ? fp : "unsure";
  }

  /** Counts an id that check found absent, with the fingerprint check gave. */
  add(id: string, fp: number): void {
    (this.pendingIds ??= []).push(id);
    this.storedExact?.add(id);
    // A fingerprint already there (a collision) is added again: only its presence is ever asked.
    this.addFingerprint(fp);
  }

  /** The stored list as read from the row: lookups answer exactly from now on. */
  learnStored(ids: readonly string[]): void {
    this.storedExact = new Set(ids);
    for (const id of this.pendingIds ?? []) this.storedExact.add(id);
  }

  /** The ids a write must append after the `stored` ones. */
  pending(): string[] {
    return this.pendingIds ? [...this.pendingIds] : [];
  }

  /** A write stored the row's ids up to `count`: those pending ids are no longer held as text. */
  markStored(count: number): void {
    const pending = this.pendingIds;
    const n = Math.min(pending?.length ?? 0, count - this.storedCount);
    if (!pending || n <= 0) return;
    this.pendingIds = n === pending.length ? null : pending.slice(n);
    this.storedCount += n;
    this.seal();
  }

  private hasFingerprint(fp: number): boolean {
    if (this.big) return this.big.has(fp);
    const recent = this.recent;
    if (recent) for (let i = 0; i < recent.length; i++) if (recent[i] === fp) return true;
    if (this.packed.length === 0) return false;
    const pair = String.fromCharCode(fp >>> 16, fp & 0xffff);
    for (let at = this.packed.indexOf(pair); at !== -1; at = this.packed.indexOf(pair, at + 1)) if ((at & 1) === 0) return true;
    return false;
  }

  private addFingerprint(fp: number): void {
    if (this.big) {
      this.big.add(fp);
      return;
    }
    (this.recent ??= []).push(fp);
    if (this.recent.length >= RECENT_MAX) this.seal();
  }

  /** Moves the recent fingerprints into the packed string (or, past PACKED_MAX, everything into a Set). */
  private seal(): void {
    const recent = this.recent;
    if (!recent) return;
    this.recent = null;
    if ((this.packed.length >> 1) + recent.length > PACKED_MAX) {
      this.big = new Set(recent);
      for (let i = 0; i < this.packed.length; i += 2) this.big.add(((this.packed.charCodeAt(i) << 16) | this.packed.charCodeAt(i + 1)) | 0);
      this.packed = "";
      return;
    }
    const units = new Array<number>(recent.length * 2);
    for (let i = 0; i < recent.length; i++) {
      units[2 * i] = recent[i]! >>> 16;
      units[2 * i + 1] = recent[i]! & 0xffff;
    }
    this.packed += String.fromCharCode(...units);
    // Searching flattens the concatenation now: one flat string, not a chain of pieces, is what stays.
    this.packed.indexOf("\u0000");
  }
}
