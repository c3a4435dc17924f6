import fc from "fast-check";
import { Partitioners, type PartitionerArgs } from "kafkajs";
import { describe, expect, it } from "vitest";
import { producerPartitioner } from "./kafka-client.ts";

const metadata = (count: number) => Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));

describe("producerPartitioner", () => {
  it("property: picks kafkajs' default partition for explicit partitions and string keys", () => {
    const ours = producerPartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), fc.integer({ min: 1, max: 64 }), fc.option(fc.nat({ max: 63 }), { nil: undefined }), (key, count, partition) => {
        const args: PartitionerArgs = { topic: "t", partitionMetadata: metadata(count), message: { key, value: "v", partition } };
        expect(ours(args)).toBe(theirs(args));
      }),
      { numRuns: 2000 },
    );
  });

  it("hashes Buffer keys as kafkajs does, and spreads keyless messages over the partitions", () => {
    const ours = producerPartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    const args: PartitionerArgs = { topic: "t", partitionMetadata: metadata(6), message: { key: Buffer.from("store-7"), value: "v" } };
    expect(ours(args)).toBe(theirs(args));
    const keyless = new Set(Array.from({ length: 12 }, () => ours({ topic: "t", partitionMetadata: metadata(6), message: { value: "v" } })));
    expect(keyless.size).toBe(6);
  });
});
