import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeEvent, type SaleEvent } from "../../src/domain/event.ts";
import { createKafka, ensureTopics, topicNames } from "../../src/event-log/kafka/kafka-client.ts";
import { KafkaIngestLog } from "../../src/event-log/kafka/kafka-ingest-log.ts";
import type { RecordedId, SeenIds } from "../../src/event-log/ports.ts";
import { saleEvent, waitFor } from "../support/embedded-app.ts";
import { isolatedEnv } from "./support.ts";

/** An in-memory id index (as in the Kafka log contract) whose inserts wait until the test lets them through. */
class HeldSeenIds implements SeenIds {
  private readonly ids = new Map<string, bigint>();
  held: RecordedId[][] = [];
  private release: () => void = () => undefined;
  private readonly gate = new Promise<void>((r) => (this.release = r));
  async seen(ids: readonly string[]) {
    return new Map(ids.flatMap((id) => (this.ids.has(id) ? [[id, this.ids.get(id)!] as const] : [])));
  }
  async remember(ids: readonly RecordedId[]) {
    this.held.push([...ids]);
    await this.gate;
    for (const { eventId, fingerprint } of ids) this.ids.set(eventId, fingerprint);
  }
  open(): void {
    this.release();
  }
}

function event(overrides: Record<string, unknown> = {}): SaleEvent {
  const r = decodeEvent(saleEvent(overrides));
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.event;
}

describe("Kafka ingest while a group's ids are still being recorded", () => {
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  const seenIds = new HeldSeenIds();
  let log: KafkaIngestLog;
  let kafka: ReturnType<typeof createKafka>;

  beforeAll(async () => {
    ({ env, drop } = await isolatedEnv(2));
    const settings = { brokers: env.KAFKA_BROKERS!.split(","), topic: env.KAFKA_TOPIC!, partitions: 2 };
    kafka = createKafka(settings);
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, settings);
    await admin.disconnect();
    log = new KafkaIngestLog(kafka, topicNames(settings.topic).events, 2, seenIds, () => undefined);
    await log.connect();
  });
  afterAll(async () => {
    seenIds.open();
    await log?.close();
    await drop?.();
  });

  it("answers only once the ids are recorded, and meanwhile treats them as taken: a retry is a duplicate, another payload a conflict, nothing is appended twice", async () => {
    const e = event({ storeId: "held-store" });
    let firstAnswered = false;
    const first = log.appendNew([e]).then((r) => ((firstAnswered = true), r));
    await waitFor(async () => seenIds.held.length === 1);

    expect(await log.appendNew([e])).toEqual({ accepted: 0, duplicates: 1, conflicts: [] });
    expect(await log.appendNew([{ ...e, currency: "USD" }])).toEqual({ accepted: 0, duplicates: 0, conflicts: [0] });
    const other = event({ storeId: "held-store" });
    const second = log.appendNew([other, e]);
    await waitFor(async () => seenIds.held.length === 2);
    expect(seenIds.held[1]!.map((r) => r.eventId)).toEqual([other.eventId]);
    expect(firstAnswered).toBe(false);

    seenIds.open();
    expect(await first).toEqual({ accepted: 1, duplicates: 0, conflicts: [] });
    expect(await second).toEqual({ accepted: 1, duplicates: 1, conflicts: [] });

    const admin = kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(env.KAFKA_TOPIC!);
      expect(offsets.reduce((n, p) => n + Number(p.high), 0)).toBe(2);
    } finally {
      await admin.disconnect();
    }
  });
});
