import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKafka } from "../../src/event-log/kafka/kafka-client.ts";
import { KafkaLogConsumer } from "../../src/event-log/kafka/kafka-consumer.ts";
import type { PartitionHandler } from "../../src/event-log/ports.ts";
import { waitFor } from "../support/embedded-app.ts";
import { isolatedTopic } from "./support.ts";

const PARTITIONS = 6;

/** A handler that keeps the set of partitions whose state it holds, and every start and stop of one. */
function member(name: string) {
  const owned = new Set<number>();
  const revoked: number[] = [];
  const started: number[] = [];
  const handler: PartitionHandler = {
    async assigned(ps) {
      for (const p of ps) {
        if (owned.has(p)) throw new Error(`${name}: partition ${p} started twice`);
        owned.add(p);
        started.push(p);
      }
    },
    async revoked(ps) {
      for (const p of ps) {
        owned.delete(p);
        revoked.push(p);
      }
      return new Map();
    },
    async batch(_p, records) {
      return records[records.length - 1]!.offset + 1;
    },
  };
  return { name, owned, revoked, started, handler };
}
type Member = ReturnType<typeof member>;

describe("a rebalance keeps the state of the partitions a member keeps", () => {
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  const consumers: KafkaLogConsumer[] = [];

  beforeAll(async () => {
    ({ env, drop } = await isolatedTopic(PARTITIONS));
  });
  afterAll(async () => {
    for (const c of consumers) await c.stop().catch(() => undefined);
    await drop?.();
  });

  async function join(m: Member): Promise<KafkaLogConsumer> {
    const kafka = createKafka({ brokers: env.KAFKA_BROKERS!.split(","), topic: env.KAFKA_TOPIC!, partitions: PARTITIONS, clientId: m.name });
    const c = new KafkaLogConsumer(kafka, { groupId: env.KAFKA_GROUP!, topic: env.KAFKA_TOPIC!, concurrency: PARTITIONS, onError: () => undefined });
    consumers.push(c);
    await c.run(m.handler);
    return c;
  }

  /** Waits until the members' held partitions split all partitions in the given sizes; returns a copy of each set. */
  async function settle(members: Member[], sizes: number[]): Promise<Set<number>[]> {
    return waitFor(async () => {
      const all = members.flatMap((m) => [...m.owned]);
      const ok = members.every((m, i) => m.owned.size === sizes[i]) && new Set(all).size === PARTITIONS && all.length === PARTITIONS;
      return ok ? members.map((m) => new Set(m.owned)) : null;
    }, 90_000, 100);
  }

  /** Between two settled states a member stops exactly the partitions it lost and starts exactly those it gained. */
  function expectOnlyMoves(m: Member, before: Set<number>, after: Set<number>, mark: { revoked: number; started: number }) {
    const lost = [...before].filter((p) => !after.has(p)).sort();
    const gained = [...after].filter((p) => !before.has(p)).sort();
    expect(m.revoked.slice(mark.revoked).sort(), `${m.name} stopped`).toEqual(lost);
    expect(m.started.slice(mark.started).sort(), `${m.name} started`).toEqual(gained);
  }
  const marks = (ms: Member[]) => ms.map((m) => ({ revoked: m.revoked.length, started: m.started.length }));

  it("two members, a third joining and leaving: only moved partitions stop and start", async () => {
    const a = member("a");
    const b = member("b");
    const c = member("c");
    await join(a);
    const [a1] = await settle([a], [PARTITIONS]);

    let m = marks([a, b]);
    await join(b);
    const [a2, b2] = await settle([a, b], [3, 3]);
    expectOnlyMoves(a, a1!, a2!, m[0]!);
    expectOnlyMoves(b, new Set(), b2!, m[1]!);

    m = marks([a, b, c]);
    const cConsumer = await join(c);
    const [a3, b3, c3] = await settle([a, b, c], [2, 2, 2]);
    expectOnlyMoves(a, a2!, a3!, m[0]!);
    expectOnlyMoves(b, b2!, b3!, m[1]!);
    expectOnlyMoves(c, new Set(), c3!, m[2]!);

    m = marks([a, b, c]);
    await cConsumer.stop();
    const [a4, b4] = await settle([a, b], [3, 3]);
    expectOnlyMoves(a, a3!, a4!, m[0]!);
    expectOnlyMoves(b, b3!, b4!, m[1]!);
    expect(c.owned.size).toBe(0);
    // Each member kept at least one partition through every rebalance: the case the old code reset.
    expect([...a2!].some((p) => a3!.has(p) && a4!.has(p)) || [...b2!].some((p) => b3!.has(p) && b4!.has(p))).toBe(true);
  });
});
