import { Kafka, logLevel } from "kafkajs";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { partitionFor } from "../../src/event-log/partitioner.ts";
import { saleEvent, waitFor } from "../support/embedded-app.ts";
import { cassandraFor, clusterAppPerFile } from "./support.ts";

describe("the real stack end to end", () => {
  const cluster = clusterAppPerFile(3, { listen: true });

  const post = (body: unknown) =>
    fetch(`${cluster.app.url}/v1/sales`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  async function cassandraRow(storeId: string, minute: number) {
    const c = cassandraFor(cluster.env);
    try {
      const rs = await c.execute("SELECT * FROM minutes_by_store WHERE store_id = ? AND day = ? AND minute = ?", [storeId, new Date(minute).toISOString().slice(0, 10), new Date(minute)]);
      return rs.rows[0];
    } finally {
      await c.shutdown();
    }
  }

  it("carries a POSTed sale through Kafka into a Cassandra row, the REST API and a websocket tick", async () => {
    const ws = new WebSocket(`${cluster.app.url.replace("http", "ws")}/v1/live`);
    const messages: { type: string; storeId?: string; netMinor?: number }[] = [];
    ws.on("message", (d) => messages.push(JSON.parse(d.toString())));
    await new Promise((r) => ws.once("open", r));
    ws.send(JSON.stringify({ subscribe: ["e2e-store"] }));
    await waitFor(async () => messages.some((m) => m.type === "snapshot"));

    const occurredAt = new Date();
    const minute = Math.floor(occurredAt.getTime() / 60_000) * 60_000;
    const res = await post(saleEvent({ storeId: "e2e-store", occurredAt: occurredAt.toISOString(), lines: [{ sku: "a", quantity: 3, unitPriceMinor: 199 }] }));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 1, duplicates: 0 });

    const tick = await waitFor(async () => messages.find((m) => m.type === "tick" && m.storeId === "e2e-store"));
    expect(tick.netMinor).toBe(597);

    const row = await waitFor(async () => cassandraRow("e2e-store", minute), 15_000);
    expect(Number(row.get("gross_minor"))).toBe(597);
    expect(Number(row.get("item_count"))).toBe(3);
    expect(row.get("source_partition")).toBe(partitionFor("e2e-store", 3));

    const from = new Date(minute).toISOString();
    const to = new Date(minute + 60_000).toISOString();
    const body = (await (await fetch(`${cluster.app.url}/v1/stores/e2e-store/minutes?from=${from}&to=${to}`)).json()) as { minutes: { netMinor: number; saleCount: number }[] };
    expect(body.minutes).toHaveLength(1);
    expect(body.minutes[0]).toMatchObject({ netMinor: 597, saleCount: 1 });
    ws.close();
  });

  it("counts duplicate POSTs of the same events once", async () => {
    const now = new Date();
    const minute = Math.floor(now.getTime() / 60_000) * 60_000;
    const events = Array.from({ length: 20 }, (_, i) => saleEvent({ storeId: "dup-store", occurredAt: now.toISOString(), lines: [{ sku: "x", quantity: 1, unitPriceMinor: 100 + i }] }));
    const first = await post(events);
    expect(await first.json()).toEqual({ accepted: 20, duplicates: 0 });
    const again = await Promise.all([post(events), post(events.slice(0, 10)), post([...events.slice(5, 8), ...events.slice(5, 8)])]);
    const answers = await Promise.all(again.map((r) => r.json()));
    expect(answers).toEqual([{ accepted: 0, duplicates: 20 }, { accepted: 0, duplicates: 10 }, { accepted: 0, duplicates: 6 }]);
    const expected = events.reduce((s, e) => s + (e.lines as { unitPriceMinor: number }[])[0]!.unitPriceMinor, 0);
    const row = await waitFor(async () => {
      const r = await cassandraRow("dup-store", minute);
      return r && Number(r.get("sale_count")) === 20 ? r : null;
    }, 15_000);
    expect(Number(row.get("gross_minor"))).toBe(expected);
  });

  it("dead-letters a malformed record written by another producer and keeps the partition flowing", async () => {
    const kafka = new Kafka({ clientId: "other-producer", brokers: cluster.env.KAFKA_BROKERS!.split(","), logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const partition = partitionFor("dlq-store", 3);
    await producer.send({ topic: cluster.env.KAFKA_TOPIC!, messages: [{ key: "dlq-store", value: "{not json", partition }, { key: "dlq-store", value: JSON.stringify({ schemaVersion: 1, eventId: "nope" }), partition }] });
    await producer.disconnect();
    const res = await post(saleEvent({ storeId: "dlq-store", lines: [{ sku: "a", quantity: 1, unitPriceMinor: 4200 }] }));
    expect(res.status).toBe(202);

    const dlq = kafka.consumer({ groupId: `${cluster.env.KAFKA_GROUP}-dlq-reader` });
    const dead: { reason: string; offset: string }[] = [];
    await dlq.connect();
    await dlq.subscribe({ topics: [`${cluster.env.KAFKA_TOPIC}.dlq`], fromBeginning: true });
    await dlq.run({ eachMessage: async ({ message }) => void dead.push({ reason: String(message.headers?.["x-dead-letter-reason"]), offset: String(message.headers?.["x-source-offset"]) }) });
    await waitFor(async () => dead.length >= 2, 20_000);
    await dlq.disconnect();
    expect(dead.map((d) => d.reason)).toEqual([expect.stringMatching(/not JSON/), expect.stringMatching(/eventId/)]);

    const now = Date.now();
    const from = new Date(now - 120_000).toISOString();
    const to = new Date(now + 60_000).toISOString();
    await waitFor(async () => {
      const body = (await (await fetch(`${cluster.app.url}/v1/stores/dlq-store/minutes?from=${from}&to=${to}`)).json()) as { minutes: { netMinor: number }[] };
      return body.minutes.some((m) => m.netMinor === 4200);
    }, 15_000);
  });
});
