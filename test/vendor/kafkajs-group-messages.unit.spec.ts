import { createRequire } from "node:module";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

// patches/kafkajs+2.2.4.patch: a batch's messages are grouped by partition in one pass. The
// reference is upstream's kafkajs 2.2.4 groupMessagesPerPartition, which copied the partition's
// array for every message.
const require = createRequire(import.meta.url);
type Message = { key: string; value: string; partition?: number };
type Args = { topic: string; partitionMetadata: { partitionId: number }[]; messages: Message[]; partitioner: (a: { message: Message }) => number };
const group = require("kafkajs/src/producer/groupMessagesPerPartition.js") as (a: Args) => Record<string, Message[]>;
const { DefaultPartitioner } = require("kafkajs/src/producer/partitioners/index.js") as { DefaultPartitioner: () => Args["partitioner"] };

function upstream({ topic, partitionMetadata, messages, partitioner }: Args): Record<string, Message[]> {
  if (partitionMetadata.length === 0) return {};
  return messages.reduce<Record<string, Message[]>>((result, message) => {
    const partition = partitioner({ topic, partitionMetadata, message } as never);
    const current = result[partition] || [];
    return Object.assign(result, { [partition]: [...current, message] });
  }, {});
}

const message: fc.Arbitrary<Message> = fc.record({ key: fc.string({ maxLength: 12 }), value: fc.string({ maxLength: 4 }), partition: fc.nat({ max: 7 }) }, { requiredKeys: ["key", "value"] });

describe("kafkajs grouping of a batch's messages by partition (patched)", () => {
  it("property: the same groups, in the same order, as upstream (explicit partitions and keys hashed by the default partitioner)", () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 200 }), fc.integer({ min: 0, max: 8 }), (messages, partitions) => {
        const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0 }));
        const args = { topic: "t", partitionMetadata, messages };
        const ours = group({ ...args, partitioner: DefaultPartitioner() });
        const theirs = upstream({ ...args, partitioner: DefaultPartitioner() });
        expect(Object.keys(ours)).toEqual(Object.keys(theirs));
        expect(ours).toEqual(theirs);
      }),
      { numRuns: 500 },
    );
  });

  it("keeps each message object (no copies), in send order within its partition", () => {
    const messages = Array.from({ length: 5 }, (_, i) => ({ key: "k", value: String(i), partition: i % 2 }));
    const groups = group({ topic: "t", partitionMetadata: [{ partitionId: 0 }, { partitionId: 1 }], messages, partitioner: ({ message }) => message.partition! });
    expect(groups[0]).toEqual([messages[0], messages[2], messages[4]]);
    expect(groups[1]![0]).toBe(messages[1]);
  });
});
