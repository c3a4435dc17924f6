import { createRequire } from "node:module";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";

// patches/kafkajs+2.2.4.patch: an uncompressed partition's record batch is encoded in one pass
// (encodeUncompressed.js). It must write the bytes upstream's Record + RecordBatch write, which stay
// unpatched and are the reference here, composed as upstream's produce request composed them.
const require = createRequire(import.meta.url);
type Encoder = { buffer: Buffer; size(): number; writeInt32(v: number): Encoder; writeEncoder(e: Encoder): Encoder };
type Message = { key?: string | Buffer | null; value: string | Buffer | null; timestamp?: string | number; headers?: Record<string, string | Buffer | (string | Buffer)[]> };
type Reader = { offset: number; readVarIntBytes(): Buffer; readArray<T>(read: (d: Reader) => T): T[] };
type Args = { partition: number; messages: Message[]; transactionalId?: string; firstSequence?: number; producerId?: unknown; producerEpoch?: number };
const EncoderClass = require("kafkajs/src/protocol/encoder.js") as new () => Encoder;
const Record = require("kafkajs/src/protocol/recordBatch/record/v0/index.js") as (r: Record<string, unknown>) => Encoder;
const { RecordBatch } = require("kafkajs/src/protocol/recordBatch/v0/index.js") as { RecordBatch: (b: Record<string, unknown>) => Promise<Encoder> };
const Long = require("kafkajs/src/utils/long.js") as { fromInt(v: number): unknown; fromValue(v: unknown): unknown };
const encodeUncompressed = require("kafkajs/src/protocol/recordBatch/v0/encodeUncompressed.js") as (a: Args) => Encoder | null;
const Decoder = require("kafkajs/src/protocol/decoder.js") as new (b: Buffer) => Reader;
const RecordDecoder = require("kafkajs/src/protocol/recordBatch/record/v0/decoder.js") as (d: Reader, context: unknown) => unknown;
const decodeBatch = require("kafkajs/src/protocol/recordBatch/v0/decoder.js") as (d: Reader) => Promise<{ records: { batchContext: unknown }[] }>;
const produceV3 = require("kafkajs/src/protocol/requests/produce/v3/request.js") as (r: Record<string, unknown>) => { encode(): Promise<Encoder> };

/** Upstream's partitionsEncoder (kafkajs 2.2.4, produce v3), with `dateNow` passed in. */
async function upstream(a: Args, dateNow: number): Promise<Buffer> {
  const stamps = a.messages.map((m) => m.timestamp).filter((t) => t != null).sort();
  const timestamps = stamps.length === 0 ? [dateNow] : stamps;
  const first = timestamps[0]!;
  const records = a.messages.map((m, i) => Record({ ...m, offsetDelta: i, timestampDelta: Number(m.timestamp || dateNow) - Number(first) }));
  const batch = await RecordBatch({
    records,
    firstTimestamp: first,
    maxTimestamp: timestamps[timestamps.length - 1],
    producerId: a.producerId,
    producerEpoch: a.producerEpoch,
    firstSequence: a.firstSequence,
    transactional: !!a.transactionalId,
    lastOffsetDelta: records.length - 1,
  });
  return new EncoderClass().writeInt32(a.partition).writeInt32(batch.size()).writeEncoder(batch).buffer;
}

const bytes = fc.oneof(fc.string({ unit: "binary", maxLength: 300 }), fc.uint8Array({ maxLength: 600 }).map((u) => Buffer.from(u)));
// Same-length decimal timestamps: upstream sorts them as strings, which orders those as numbers.
const stamp = fc.integer({ min: 1_000_000_000_000, max: 9_999_999_999_999 });
const message: fc.Arbitrary<Message> = fc.record(
  {
    key: fc.oneof(bytes, fc.constant(null)),
    value: fc.oneof(bytes, fc.constant(null)),
    timestamp: fc.oneof(stamp, stamp.map(String)),
    headers: fc.dictionary(fc.string({ maxLength: 8 }).filter((k) => k !== "__proto__"), fc.oneof(bytes, fc.array(bytes, { maxLength: 3 })), { maxKeys: 3 }),
  },
  { requiredKeys: ["value"] },
);
const args: fc.Arbitrary<Args> = fc.record(
  {
    partition: fc.nat({ max: 1000 }),
    messages: fc.array(message, { maxLength: 40 }),
    transactionalId: fc.string({ minLength: 1, maxLength: 5 }),
    firstSequence: fc.nat(),
    producerId: fc.bigInt({ min: -1n, max: 2n ** 40n }).map((v) => Long.fromValue(v)),
    producerEpoch: fc.nat({ max: 30000 }),
  },
  { requiredKeys: ["partition", "messages"] },
);

describe("kafkajs record batch encoding (patched)", () => {
  it("property: the one-pass encoder writes upstream's bytes", async () => {
    await fc.assert(
      fc.asyncProperty(args, async (a) => {
        // The encoder reads the clock for messages without a timestamp (and for a batch without any): one millisecond for both.
        const dateNow = Date.now();
        const clock = vi.spyOn(Date, "now").mockReturnValue(dateNow);
        try {
          const ours = encodeUncompressed(a);
          expect(ours).not.toBeNull();
          expect(ours!.buffer.equals(await upstream(a, dateNow))).toBe(true);
        } finally {
          clock.mockRestore();
        }
      }),
      { numRuns: 400 },
    );
  });

  it("property: the one-pass decoder reads upstream's records (offsets, timestamps of either type, keys, values, headers)", async () => {
    await fc.assert(
      fc.asyncProperty(args, fc.bigInt({ min: 0n, max: 2n ** 50n }), fc.boolean(), async (a, firstOffset, appendTime) => {
        const batch = Buffer.from(encodeUncompressed(a)!.buffer.subarray(8)); // after partition and entry size
        batch.writeBigInt64BE(firstOffset, 0);
        if (appendTime) batch.writeInt16BE(batch.readInt16BE(21) | 0x8, 21); // attributes: log append time
        const ours = await decodeBatch(new Decoder(batch));
        // Upstream's own reading of the same records: a Decoder and RecordDecoder per record.
        const records = new Decoder(batch);
        records.offset = 57; // first offset, length, leader epoch, magic, crc, and the batch's fixed fields
        const reference = records.readArray((d) => RecordDecoder(new Decoder(d.readVarIntBytes()), ours.records[0]?.batchContext));
        expect(ours.records).toEqual(reference);
      }),
      { numRuns: 300 },
    );
  });

  it("leaves to upstream what it does not encode the same way (a number key, a non-integer timestamp)", async () => {
    expect(encodeUncompressed({ partition: 0, messages: [{ key: 7 as unknown as string, value: "v" }] })).toBeNull();
    expect(encodeUncompressed({ partition: 0, messages: [{ value: "v", timestamp: "1.5" }] })).toBeNull();
    expect(encodeUncompressed({ partition: 0, messages: [{ value: "v", headers: { h: 1 as unknown as string } }] })).toBeNull();
  });

  it("the produce request takes it for uncompressed batches", async () => {
    const messages: Message[] = [{ key: "store-1", value: Buffer.from("a"), timestamp: "1764672000000", headers: { origin: "x" } }];
    const request = produceV3({ acks: -1, timeout: 5000, compression: 0, producerId: Long.fromInt(-1), topicData: [{ topic: "t", partitions: [{ partition: 3, messages }] }] });
    const encoded = (await request.encode()).buffer;
    const expected = await upstream({ partition: 3, messages, producerId: Long.fromInt(-1), producerEpoch: 0 }, 0);
    expect(encoded.subarray(encoded.length - expected.length).equals(expected)).toBe(true);
  });
});
