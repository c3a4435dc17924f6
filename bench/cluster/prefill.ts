/** Pre-fills the events topic straight through kafkajs, as ingest would have appended them. */
import { randomUUID } from "node:crypto";
import { CompressionTypes, type Kafka, type Message } from "kafkajs";
import { createProducer } from "../../src/event-log/kafka/kafka-client.ts";
import { type SaleEvent } from "../../src/domain/event.ts";
import { decodeLogRecord, encodeForLog } from "../../src/domain/log-record.ts";
import { partitionFor } from "../../src/event-log/partitioner.ts";
import { makeStores, rng, type Store } from "../../scripts/sim/traffic.ts";
import type { ExpectedTotals } from "./expected-totals.ts";

export interface PrefillResult {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  bytes: number;
  firstOccurredAt: string;
  lastOccurredAt: string;
  perPartition: number[];
}

/** A valid sale event of `store` at `occurredAtMs` (2 lines, ≈ 250 bytes encoded, 5% refunds). */
export function saleEvent(store: Store, occurredAtMs: number, n: number): SaleEvent {
  const a = store.catalogue[n % store.catalogue.length]!;
  const b = store.catalogue[(n * 7 + 3) % store.catalogue.length]!;
  const q = 1 + (n % 3);
  const lines = [
    { sku: a.sku, quantity: q, unitPriceMinor: a.unitPriceMinor },
    { sku: b.sku, quantity: 1, unitPriceMinor: b.unitPriceMinor },
  ];
  return {
    eventId: randomUUID(),
    storeId: store.storeId,
    occurredAt: new Date(occurredAtMs).toISOString(),
    occurredAtMs,
    type: n % 20 === 0 ? "refund" : "sale",
    currency: store.currency,
    lines,
    totalMinor: q * a.unitPriceMinor + b.unitPriceMinor,
    itemCount: q + 1,
  };
}

/**
 * `events` events over `stores` stores, occurredAt spread evenly over the last `spanMs` (8% of them
 * up to 3 s out of order), append timestamps = now. Keyed by store and partitioned with
 * partitionFor, value = encodeForLog; sent in chunks with a few requests in flight.
 */
export async function prefill(
  kafka: Kafka,
  opts: { topic: string; partitions: number; events: number; stores: number; spanMs: number; onProgress?: (n: number) => void; expected?: ExpectedTotals },
): Promise<PrefillResult> {
  const stores = makeStores(opts.stores);
  const rand = rng(7);
  const producer = createProducer(kafka, { allowAutoTopicCreation: false });
  await producer.connect();
  const started = Date.now();
  const t0 = started - opts.spanMs;
  const CHUNK = 12_000; // ≈ 2,000 records (≈ 600 KB) per partition per request: a record batch must stay under the broker's 1 MB message.max.bytes
  const IN_FLIGHT = 4;
  const inFlight = new Set<Promise<unknown>>();
  const perPartition = new Array<number>(opts.partitions).fill(0);
  let bytes = 0;
  let sent = 0;
  try {
    for (let from = 0; from < opts.events; from += CHUNK) {
      const to = Math.min(opts.events, from + CHUNK);
      const timestamp = String(Date.now());
      const messages: Message[] = new Array(to - from);
      for (let i = from; i < to; i++) {
        const store = stores[Math.floor(rand() * stores.length)]!;
        let at = t0 + Math.floor((i / opts.events) * opts.spanMs);
        if (rand() < 0.08) at -= Math.floor(rand() * 3000);
        const e = saleEvent(store, at, i);
        opts.expected?.add(e);
        const value = encodeForLog(e);
        if (i % 10_000 === 0 && !decodeLogRecord(value).ok) throw new Error(`prefill event does not decode: ${value}`);
        const partition = partitionFor(e.storeId, opts.partitions);
        perPartition[partition]!++;
        bytes += value.length;
        messages[i - from] = { key: e.storeId, value, partition, timestamp };
      }
      const p = producer
        .send({ topic: opts.topic, acks: 1, compression: CompressionTypes.None, messages })
        .then(() => {
          sent += messages.length;
          opts.onProgress?.(sent);
        })
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } finally {
    await producer.disconnect();
  }
  const seconds = (Date.now() - started) / 1000;
  return {
    events: opts.events,
    seconds,
    eventsPerSecond: opts.events / seconds,
    bytes,
    firstOccurredAt: new Date(t0).toISOString(),
    lastOccurredAt: new Date(started).toISOString(),
    perPartition,
  };
}
