import { Kafka, logLevel } from "kafkajs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SaleEvent } from "../../src/domain/event.ts";
import { decodeLogRecord } from "../../src/domain/log-record.ts";
import type { LoggedEvent } from "../../src/domain/store-windows.ts";
import { classifyFailure } from "../../src/consumers/failure-kind.ts";
import { writeIsolatingFailures } from "../../src/consumers/isolate-failures.ts";
import { partitionFor } from "../../src/event-log/partitioner.ts";
import { PgRawHistory } from "../../src/projections/postgres/pg-raw-history.ts";
import { saleEvent, waitFor } from "../support/embedded-app.ts";
import { isolatedEnv, startClusterApp } from "./support.ts";

type App = Awaited<ReturnType<typeof startClusterApp>>;
const PARTITIONS = 3;

function poison(overrides: Record<string, unknown>): string {
  return JSON.stringify({ schemaVersion: 1, ...saleEvent(overrides) });
}

/** The original bug: records the API now refuses, written straight to the topic, stalled both consumer groups for ever. */
describe("records no store can hold, on the real stack", () => {
  let app: App;
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  let pool: pg.Pool;

  beforeAll(async () => {
    ({ env, drop } = await isolatedEnv(PARTITIONS));
    app = await startClusterApp(env, { listen: true });
    pool = new pg.Pool({ connectionString: env.PG_URL, max: 2 });
  });
  afterAll(async () => {
    await pool?.end();
    await app?.runtime.stop();
    await drop?.();
  });

  it("dead-letters them with their reason; the events behind them reach the totals and raw history", async () => {
    const storeId = "poison-store";
    const partition = partitionFor(storeId, PARTITIONS);
    const good = saleEvent({ storeId, lines: [{ sku: "ok", quantity: 1, unitPriceMinor: 4321 }] });
    const kafka = new Kafka({ clientId: "other-producer", brokers: env.KAFKA_BROKERS!.split(","), logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: env.KAFKA_TOPIC!,
      messages: [
        { key: storeId, partition, value: poison({ storeId, lines: [{ sku: "nul\u0000sku", quantity: 1, unitPriceMinor: 100 }] }) },
        { key: storeId, partition, value: poison({ storeId, occurredAt: "0000-01-01T00:00:00Z" }) },
        { key: storeId, partition, value: JSON.stringify({ schemaVersion: 1, ...good }) },
      ],
    });
    await producer.disconnect();

    const dlq = kafka.consumer({ groupId: `${env.KAFKA_GROUP}-dlq-reader` });
    const dead: string[] = [];
    await dlq.connect();
    await dlq.subscribe({ topics: [`${env.KAFKA_TOPIC}.dlq`], fromBeginning: true });
    await dlq.run({ eachMessage: async ({ message }) => void dead.push(String(message.headers?.["x-dead-letter-reason"])) });
    await waitFor(async () => dead.length >= 2, 30_000);
    await dlq.disconnect();
    expect(dead.sort()).toEqual([
      expect.stringMatching(/^lines\.0\.sku: .*without control characters/),
      expect.stringMatching(/^occurredAt: /),
    ]);

    const now = Date.now();
    const q = `from=${new Date(now - 120_000).toISOString()}&to=${new Date(now + 60_000).toISOString()}`;
    await waitFor(async () => {
      const body = (await (await fetch(`${app.url}/v1/stores/${storeId}/minutes?${q}`)).json()) as { minutes: { netMinor: number }[] };
      return body.minutes.some((m) => m.netMinor === 4321);
    }, 30_000);
    const history = await waitFor(async () => {
      const r = await pool.query("SELECT event_id FROM raw_events WHERE store_id = $1", [storeId]);
      return r.rows.length ? r.rows : null;
    }, 30_000);
    expect(history).toEqual([{ event_id: good.eventId }]);
    // Both groups committed past the poison records: nothing is stalled.
    await waitFor(async () => {
      const [w, h] = await Promise.all([app.runtime.adapters.windowConsumer.lag(), app.runtime.adapters.rawHistoryConsumer.lag()]);
      return [...w, ...h].every((l) => l.committed === l.end);
    }, 30_000);
    const ready = await (await fetch(`${app.url}/readyz`)).json();
    expect(ready.checks.stalledPartitions).toBe("none");
  });

  it("values raw_events cannot hold are refused as deterministic, by PostgreSQL or by the COPY encoder, and isolating them still writes the good rows", async () => {
    const history = new PgRawHistory(pool);
    // Events the contract refuses, built past it: what the writer and PostgreSQL say about them is under test.
    const logged = (offset: number, unstorable?: (e: SaleEvent) => SaleEvent): LoggedEvent => {
      const d = decodeLogRecord(JSON.stringify({ schemaVersion: 1, ...saleEvent({ storeId: "direct" }) }));
      if (!d.ok) throw new Error(d.reason);
      return { partition: 0, offset, appendTime: Date.now(), event: unstorable ? unstorable(d.event) : d.event };
    };
    const rows = [
      logged(1),
      logged(2, (e) => ({ ...e, lines: [{ sku: "nul\u0000", quantity: 1, unitPriceMinor: 1 }] })), // jsonb refuses \u0000
      logged(3),
      logged(4, (e) => ({ ...e, currency: "EURO" })), // too long for char(3)
      logged(5),
      logged(6, (e) => ({ ...e, eventId: "not-a-uuid" })), // the encoder refuses it
      logged(7, (e) => ({ ...e, itemCount: 2 ** 31 })), // beyond integer
    ];
    const refused = await writeIsolatingFailures(rows, async (b) => void (await history.insertEvents(b)));
    expect(refused.map((r) => r.item.offset)).toEqual([2, 4, 6, 7]);
    for (const r of refused) expect(classifyFailure(r.error)).toBe("deterministic");
    const stored = await pool.query("SELECT source_offset FROM raw_events WHERE store_id = 'direct' ORDER BY source_offset");
    expect(stored.rows.map((r) => Number(r.source_offset))).toEqual([1, 3, 5]);
  });
});
