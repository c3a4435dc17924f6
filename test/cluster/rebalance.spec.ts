import { describe, expect, it } from "vitest";
import { waitFor } from "../support/embedded-app.ts";
import { appInstancesPerFile, killOneUnderTraffic } from "./instances.ts";
import { expectExactTotals } from "./reconcile-helpers.ts";

describe("two app instances in one consumer group", () => {
  const instances = appInstancesPerFile(4);

  it("split the partitions, and when one is killed the other takes over with every minute total exact", async () => {
    const { env, admin } = instances;
    const from = Date.now() - 120_000;
    const a = await instances.spawn();
    const b = await instances.spawn();
    await instances.waitForMembers(2);

    // The survivor gets all partitions once the dead member's session expires.
    const sender = await killOneUnderTraffic(instances, a, b, "rebalance", { before: 300, after: 250 });
    expect(sender.acked.size).toBeGreaterThan(500);
    await expectExactTotals(env, sender.acked, from, Date.now() + 60_000, "rebalance");
    const [offsets] = await admin.fetchOffsets({ groupId: env.KAFKA_GROUP!, topics: [env.KAFKA_TOPIC!] });
    const ends = await admin.fetchTopicOffsets(env.KAFKA_TOPIC!);
    await waitFor(async () => {
      const [now] = await admin.fetchOffsets({ groupId: env.KAFKA_GROUP!, topics: [env.KAFKA_TOPIC!] });
      return ends.every((e) => Number(now!.partitions.find((p) => p.partition === e.partition)?.offset) === Number(e.high));
    }, 30_000, 500);
    expect(offsets!.partitions).toHaveLength(4);
  });
});
