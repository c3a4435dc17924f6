/** Keys are encoded into this buffer, not into a new one per call (the hash runs once per event). */
const scratch = Buffer.alloc(1024);

/**
 * Kafka's default partitioner (murmur2 of the key, made positive, modulo the partition count), so a
 * store lands on the same partition in the embedded log and in Kafka.
 */
export function murmur2(key: string): number {
  // A UTF-16 unit takes at most 3 bytes in UTF-8, so a key this short always fits.
  const fits = key.length * 3 <= scratch.length;
  const data = fits ? scratch : Buffer.from(key, "utf8");
  const length = fits ? scratch.write(key, 0, "utf8") : data.length;
  const seed = 0x9747b28c;
  const m = 0x5bd1e995;
  const r = 24;
  let h = seed ^ length;
  const length4 = Math.floor(length / 4);
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = (data[i4]! & 0xff) + ((data[i4 + 1]! & 0xff) << 8) + ((data[i4 + 2]! & 0xff) << 16) + ((data[i4 + 3]! & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  switch (length % 4) {
    case 3:
      h ^= (data[(length & ~3) + 2]! & 0xff) << 16;
    // falls through
    case 2:
      h ^= (data[(length & ~3) + 1]! & 0xff) << 8;
    // falls through
    case 1:
      h ^= data[length & ~3]! & 0xff;
      h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h;
}

/**
 * Keys' positive hashes, remembered: every event of a store asks for the same key (at ingest and in
 * each consumer group), and a lookup costs a fraction of hashing its UTF-8 bytes. Bounded: past
 * HASHES_KEPT keys it starts over.
 */
const hashes = new Map<string, number>();
const HASHES_KEPT = 100_000;

export function partitionFor(key: string, partitions: number): number {
  let hash = hashes.get(key);
  if (hash === undefined) {
    if (hashes.size >= HASHES_KEPT) hashes.clear();
    hash = murmur2(key) & 0x7fffffff;
    hashes.set(key, hash);
  }
  return hash % partitions;
}
