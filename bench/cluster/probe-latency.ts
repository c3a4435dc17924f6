/**
 * End-to-end latency of both peers on the same topic: probe events are produced straight to Kafka
 * (as another producer would), each for a store of its own, at a steady rate while both peers run;
 * each peer's latency is "produced → its total is visible where that peer serves it" (ours: the
 * REST minute query, which overlays the live view; Spark: its Cassandra row).
 */
import { randomUUID } from "node:crypto";
import type cassandra from "cassandra-driver";
import type { Kafka } from "kafkajs";
import { createProducer } from "../../src/event-log/kafka/kafka-client.ts";
import { type SaleEvent } from "../../src/domain/event.ts";
import { encodeForLog } from "../../src/domain/log-record.ts";
import { partitionFor } from "../../src/event-log/partitioner.ts";
import { percentiles, type Percentiles } from "./latency.ts";
import { SPARK_TABLE } from "./spark-peer.ts";

export interface ProbeResult {
  probes: number;
  ours: Percentiles & { unseen: number };
  spark: Percentiles & { unseen: number };
}

export async function probeLatency(
  kafka: Kafka,
  opts: { topic: string; partitions: number; url: string; cass: cassandra.Client; keyspace: string; perSecond: number; seconds: number; settleMs: number },
): Promise<ProbeResult> {
  const producer = createProducer(kafka, { allowAutoTopicCreation: false });
  await producer.connect();
  const tag = Date.now().toString(36);
  const sentAt = new Map<string, number>();
  const oursAt = new Map<string, number>();
  const sparkAt = new Map<string, number>();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  let producing = true;
  const from = new Date(Date.now() - 120_000).toISOString();
  const to = new Date(Date.now() + 10 * 60_000).toISOString();

  const ours = async (id: string) => {
    const r = await fetch(`${opts.url}/v1/stores/${id}/minutes?from=${from}&to=${to}`);
    if (!r.ok) return false;
    const rows = (await r.json()) as { saleCount: number }[] | { minutes?: { saleCount: number }[] };
    const list = Array.isArray(rows) ? rows : (rows.minutes ?? []);
    return list.some((m) => m.saleCount >= 1);
  };
  const spark = async (id: string) => (await opts.cass.execute(`SELECT sale_count FROM ${opts.keyspace}.${SPARK_TABLE} WHERE store_id = ?`, [id], { prepare: true })).rowLength > 0;

  const poll = async (seen: Map<string, number>, check: (id: string) => Promise<boolean>) => {
    while (producing || seen.size < sentAt.size) {
      const open = [...sentAt.keys()].filter((id) => !seen.has(id));
      await Promise.all(
        open.map(async (id) => {
          if (await check(id).catch(() => false)) seen.set(id, Date.now());
        }),
      );
      if (!producing && Date.now() > stopAt + opts.settleMs) return;
      await sleep(20);
    }
  };
  let stopAt = Infinity;
  const pollers = [poll(oursAt, ours), poll(sparkAt, spark)];
  const gap = 1000 / opts.perSecond;
  const start = Date.now();
  for (let k = 0; Date.now() - start < opts.seconds * 1000; k++) {
    const storeId = `probe-${tag}-${k}`;
    const now = Date.now();
    const e: SaleEvent = {
      eventId: randomUUID(),
      storeId,
      occurredAt: new Date(now).toISOString(),
      occurredAtMs: now,
      type: "sale",
      currency: "EUR",
      lines: [{ sku: "probe", quantity: 1, unitPriceMinor: 100 }],
      totalMinor: 100,
      itemCount: 1,
    };
    sentAt.set(storeId, now);
    await producer.send({ topic: opts.topic, acks: -1, messages: [{ key: storeId, value: encodeForLog(e), partition: partitionFor(storeId, opts.partitions) }] });
    const next = start + (k + 1) * gap;
    if (next > Date.now()) await sleep(next - Date.now());
  }
  producing = false;
  stopAt = Date.now();
  await Promise.all(pollers);
  await producer.disconnect();
  const lat = (seen: Map<string, number>) => ({
    ...percentiles([...seen].map(([id, at]) => at - sentAt.get(id)!)),
    unseen: sentAt.size - seen.size,
  });
  return { probes: sentAt.size, ours: lat(oursAt), spark: lat(sparkAt) };
}
