import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../support/embedded-app.ts";
import { expectExactTotals } from "./reconcile-helpers.ts";
import { isolatedEnv, service, startClusterApp } from "./support.ts";
import { Sender } from "./traffic.ts";

type App = Awaited<ReturnType<typeof startClusterApp>>;
/** How long a partition may have lag without progress before /readyz calls it stalled (the Cassandra outage lasts until it does). */
const STALL_AFTER_MS = 20_000;

describe("outages of the real services", () => {
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  let app: App | null = null;

  beforeAll(async () => {
    ({ env, drop } = await isolatedEnv(3));
    env.STALL_AFTER_MS = String(STALL_AFTER_MS);
    app = await startClusterApp(env, { listen: true });
  });
  afterAll(async () => {
    service("up", "kafka");
    service("up", "cassandra");
    await app?.runtime.stop();
    await drop?.();
  });

  it("answers 503 with Retry-After while Kafka is down, recovers when it is back, and loses nothing acknowledged", async () => {
    const from = Date.now() - 120_000;
    const sender = new Sender(() => app!.url, "kafka-outage");
    const traffic = sender.run({ size: 10, workers: 2, pauseMs: 50 });
    await sender.ackedAtLeast(50);
    service("down", "kafka");
    const unavailable = await waitFor(async () => {
      const r = await fetch(`${app!.url}/v1/sales`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ eventId: crypto.randomUUID(), storeId: "probe", occurredAt: new Date().toISOString(), type: "sale", currency: "EUR", lines: [{ sku: "p", quantity: 1, unitPriceMinor: 1 }] }),
      });
      return r.status === 503 ? r : null;
    }, 60_000, 200);
    expect(unavailable.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(((await unavailable.json()) as { code: string }).code).toBe("INTRADAY_LOG_UNAVAILABLE");
    const ackedWhileDown = sender.acked.size;
    // The simulator's own traffic meets the outage too (it keeps every unanswered event to retry).
    await waitFor(async () => (sender.statuses.get(503) ?? 0) > 0, 60_000, 100);
    service("up", "kafka");
    await waitFor(async () => sender.statuses.get(202)! > 0 && sender.acked.size > ackedWhileDown, 90_000, 500);
    sender.stop();
    await traffic;
    await sender.retryUnacked(90_000);
    expect(sender.statuses.get(503) ?? 0).toBeGreaterThan(0);
    await expectExactTotals(env, sender.acked, from, Date.now() + 60_000, "kafka-outage");
  });

  it("pauses and retries while Cassandra is down (until /readyz reports the window partitions stalled), commits nothing past unflushed data, and catches up exactly", async () => {
    const from = Date.now() - 120_000;
    const kafka = new Kafka({ brokers: env.KAFKA_BROKERS!.split(","), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const committed = async () => {
      const [t] = await admin.fetchOffsets({ groupId: env.KAFKA_GROUP!, topics: [env.KAFKA_TOPIC!] });
      return new Map(t!.partitions.map((p) => [p.partition, Number(p.offset)]));
    };
    const ends = async () => new Map((await admin.fetchTopicOffsets(env.KAFKA_TOPIC!)).map((p) => [p.partition, Number(p.high)]));

    const sender = new Sender(() => app!.url, "cassandra-outage");
    const traffic = sender.run({ size: 10, workers: 2, pauseMs: 100 });
    await sender.ackedAtLeast(30);
    service("down", "cassandra");
    const endsAtOutage = await ends();
    // Queries meanwhile: 503 INTRADAY_STORAGE_UNAVAILABLE with Retry-After, never a 500.
    const range = `from=${new Date(from).toISOString()}&to=${new Date(from + 3 * 3600_000 - 1).toISOString()}`;
    const refused = await waitFor(async () => {
      const r = await fetch(`${app!.url}/v1/minutes?${range}`);
      expect(r.status, "a query while Cassandra is down").not.toBe(500);
      return r.status === 503 ? r : null;
    }, 30_000, 200);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(((await refused.json()) as { code: string }).code).toBe("INTRADAY_STORAGE_UNAVAILABLE");
    // The outage lasts until the pipeline reports it itself: /readyz names the window group's partitions
    // stalled (lag without a commit for STALL_AFTER_MS), while ingest keeps accepting.
    const ackedAtOutage = sender.acked.size;
    await waitFor(async () => {
      const ready = (await (await fetch(`${app!.url}/readyz`)).json()) as { checks: { stalledPartitions?: string } };
      return ready.checks.stalledPartitions?.includes(`group ${env.KAFKA_GROUP}`) && sender.acked.size > ackedAtOutage + 50 ? true : null;
    }, STALL_AFTER_MS + 60_000, 500);
    // Ingest keeps accepting (Kafka is up) while nothing past the outage can be committed.
    const committedDuringOutage = await committed();
    for (const [p, offset] of committedDuringOutage) expect(offset).toBeLessThanOrEqual(endsAtOutage.get(p) ?? 0);
    const endsBeforeRecovery = await ends();
    expect([...endsBeforeRecovery.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan([...endsAtOutage.values()].reduce((a, b) => a + b, 0));
    service("up", "cassandra");
    sender.stop();
    await traffic;
    await sender.retryUnacked();
    await expectExactTotals(env, sender.acked, from, Date.now() + 60_000, "cassandra-outage");
    await waitFor(async () => {
      const [c, e] = await Promise.all([committed(), ends()]);
      return [...e].every(([p, end]) => c.get(p) === end);
    }, 60_000, 500);
    await admin.disconnect();
  });
});
