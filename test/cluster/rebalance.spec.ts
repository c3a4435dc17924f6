import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnServer, type ServerProcess } from "../support/process.ts";
import { waitFor } from "../support/embedded-app.ts";
import { expectExactTotals } from "./reconcile-helpers.ts";
import { isolatedEnv, prefixed } from "./support.ts";
import { Sender } from "./traffic.ts";


describe("two app instances in one consumer group", () => {
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    ({ env, drop } = await isolatedEnv(4));
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.kill9()));
    await drop?.();
  });

  it("split the partitions, and when one is killed the other takes over with every minute total exact", async () => {
    const from = Date.now() - 120_000;
    const a = await spawnServer({ env: prefixed(env) });
    const b = await spawnServer({ env: prefixed(env) });
    servers.push(a, b);
    const kafka = new Kafka({ brokers: env.KAFKA_BROKERS!.split(","), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const members = async () => (await admin.describeGroups([env.KAFKA_GROUP!])).groups[0]!.members.length;
    await waitFor(async () => (await members()) === 2, 60_000, 500);

    let turn = 0;
    let aAlive = true;
    const sender = new Sender(() => (aAlive && turn++ % 2 === 0 ? a.url : b.url), "rebalance");
    const traffic = sender.run({ size: 20, workers: 4, pauseMs: 20 });
    await sender.ackedAtLeast(300);
    aAlive = false;
    await a.kill9();
    // The survivor gets all partitions once the dead member's session expires.
    await waitFor(async () => (await members()) === 1, 60_000, 500);
    await sender.ackedAtLeast(sender.acked.size + 250);
    sender.stop();
    await traffic;
    await sender.retryUnacked();
    expect(sender.acked.size).toBeGreaterThan(500);
    await expectExactTotals(env, sender.acked, from, Date.now() + 60_000, "rebalance");
    const [offsets] = await admin.fetchOffsets({ groupId: env.KAFKA_GROUP!, topics: [env.KAFKA_TOPIC!] });
    const ends = await admin.fetchTopicOffsets(env.KAFKA_TOPIC!);
    await waitFor(async () => {
      const [now] = await admin.fetchOffsets({ groupId: env.KAFKA_GROUP!, topics: [env.KAFKA_TOPIC!] });
      return ends.every((e) => Number(now!.partitions.find((p) => p.partition === e.partition)?.offset) === Number(e.high));
    }, 30_000, 500);
    expect(offsets!.partitions).toHaveLength(4);
    await admin.disconnect();
  });
});
