/**
 * A window's event ids as stores persist them: appended chunks, each keyed by the position of its
 * first id, plus the count the row includes. A window's id list is a function of its partition's log
 * (the i-th id is the i-th event it counted, in log order), so chunks written by two owners of the
 * partition (a rebalance) agree where they overlap; a chunk past the row's count (its row write lost
 * to a newer one) is ignored.
 */
export interface IdChunk {
  pos: number;
  /** Comma-joined ids ("" = none). */
  ids: string;
}

export class IncompleteEventIdsError extends Error {}

/** The first `count` ids of the chunks (any order). Throws when they do not cover them: counting without them could double-count a duplicate. */
export function idsOfChunks(chunks: readonly IdChunk[], count: number, where: string): string[] {
  if (count === 0) return [];
  const sorted = chunks.length > 1 ? [...chunks].sort((a, b) => a.pos - b.pos) : chunks;
  let out: string[] = [];
  for (const c of sorted) {
    if (out.length >= count) break;
    if (c.pos > out.length) break;
    if (c.ids === "") continue;
    const ids = c.ids.split(",");
    if (c.pos + ids.length <= out.length) continue;
    const fresh = c.pos === out.length ? ids : ids.slice(out.length - c.pos);
    out = out.length === 0 ? fresh : out.concat(fresh);
  }
  if (out.length < count) throw new IncompleteEventIdsError(`event ids of ${where}: the stored chunks hold ${out.length} of ${count}`);
  if (out.length > count) out.length = count;
  return out;
}
