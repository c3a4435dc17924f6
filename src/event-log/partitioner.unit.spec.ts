import fc from "fast-check";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { murmur2, partitionFor } from "./partitioner.ts";

// kafkajs's Java-compatible partitioner (a dependency of the app), used as an independent oracle.
const kafkajsMurmur2 = createRequire(import.meta.url)("kafkajs/src/producer/partitioners/default/murmur2.js") as (key: string | Buffer) => number;

/**
 * Published vectors of Kafka's Java Utils.murmur2:
 * - kafkajs src/producer/partitioners/default/murmur2.spec.js ("Generated with
 *   src/producer/partitioners/defaultJava/Test.java");
 * - Akka's Murmur2Spec (cluster-sharding-typed), "expected correct hash values from the kafka murmur2 impl".
 */
const JAVA_VECTORS: Record<string, number> = {
  "0": 971027396,
  "1": -1993445489,
  "128": -326012175,
  "2187": -1508407203,
  "16384": -325739742,
  "78125": -1654490814,
  "279936": 1462227128,
  "823543": -2014198330,
  "2097152": 607668903,
  "4782969": -1182699775,
  "10000000": -1830336757,
  "19487171": -1603849305,
  "35831808": -857013643,
  "62748517": -1167431028,
  "105413504": -381294639,
  "170859375": -1658323481,
  "100:48069": 1009543857,
  "12": 126087238,
  "123": -267702483,
  "1234": -1614185708,
  "12345": -1188365604,
};

/** librdkafka src/rdmurmur2.c unittest_murmurhashneutral2: Java's murmur2 results made positive (& 0x7fffffff). */
const LIBRDKAFKA_POSITIVE: Record<string, number> = {
  kafka: 1348980580,
  amqp: 767747138,
  giberish123456789: 257239820,
};

describe("Kafka murmur2 partitioner", () => {
  it.each(Object.entries(JAVA_VECTORS))("murmur2(%j) equals Java's %d", (key, expected) => {
    expect(murmur2(key)).toBe(expected);
  });

  it.each(Object.entries(LIBRDKAFKA_POSITIVE))("murmur2(%j) & 0x7fffffff equals librdkafka's %d", (key, expected) => {
    expect(murmur2(key) & 0x7fffffff).toBe(expected);
  });

  it("covers every tail length (0–3 trailing bytes) through the vectors above", () => {
    const tails = new Set([...Object.keys(JAVA_VECTORS), ...Object.keys(LIBRDKAFKA_POSITIVE)].map((k) => Buffer.byteLength(k) % 4));
    expect([...tails].sort()).toEqual([0, 1, 2, 3]);
  });

  it("property: agrees with kafkajs's Java-compatible murmur2 on any string, multi-byte UTF-8 included", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 80 }), (key) => {
        expect(murmur2(key)).toBe(kafkajsMurmur2(key));
      }),
      { numRuns: 2000 },
    );
  });

  it("property: agrees with kafkajs on keys around and past the reused encoding buffer's size", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", minLength: 300, maxLength: 1200 }), (key) => {
        expect(murmur2(key)).toBe(kafkajsMurmur2(key));
      }),
      { numRuns: 300 },
    );
  });

  it("property: partitionFor is (murmur2 & 0x7fffffff) mod n, in [0, n), and stable", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), fc.integer({ min: 1, max: 1000 }), (storeId, n) => {
        const p = partitionFor(storeId, n);
        expect(p).toBe((kafkajsMurmur2(storeId) & 0x7fffffff) % n);
        expect(Number.isInteger(p) && p >= 0 && p < n).toBe(true);
        expect(partitionFor(storeId, n)).toBe(p);
      }),
    );
  });

  it("given more keys than it remembers hashes of, then every key still gets its own partition, the first time and again", () => {
    const keys = Array.from({ length: 120_000 }, (_, i) => `store-${i}`);
    const expected = keys.map((k) => (kafkajsMurmur2(k) & 0x7fffffff) % 12);
    for (let round = 0; round < 2; round++) expect(keys.map((k) => partitionFor(k, 12))).toEqual(expected);
    // What is remembered is the key's hash, not its partition under one count.
    expect(partitionFor("store-7", 5)).toBe((kafkajsMurmur2("store-7") & 0x7fffffff) % 5);
  });

  it("given a hash whose sign bit is set, then the partition uses the masked value, not Math.abs", () => {
    // murmur2("1") = -1993445489: Math.abs would give 1993445489, the mask gives 154038159.
    expect(partitionFor("1", 1000)).toBe(((-1993445489 & 0x7fffffff) >>> 0) % 1000);
    expect(partitionFor("1", 1000)).not.toBe(1993445489 % 1000);
  });

  it("given one partition, then every key goes to 0", () => {
    expect(partitionFor("any-store", 1)).toBe(0);
  });
});
