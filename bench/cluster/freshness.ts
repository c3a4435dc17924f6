/** Freshness of the Superset tables: POST /v1/sales accepted → the row visible in PostgreSQL minute_totals. */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { percentiles, type Percentiles } from "./latency.ts";

export interface FreshnessResult {
  posts: number;
  seen: number;
  ms: Percentiles;
  pollMs: number;
}

/**
 * POSTs one sale to a store of its own at `rate` per second, while one reader polls minute_totals
 * every `pollMs` for those stores; each store's freshness is first-seen time − POST start (so the
 * numbers include up to `pollMs` of polling delay).
 */
export async function freshness(url: string, pgUrl: string, opts: { rate: number; seconds: number; pollMs?: number }): Promise<FreshnessResult> {
  const pollMs = opts.pollMs ?? 25;
  const tag = `fresh${Date.now().toString(36)}`;
  const sentAt = new Map<string, number>();
  const seenAt = new Map<string, number>();
  const db = new pg.Client({ connectionString: pgUrl });
  await db.connect();
  let polling = true;
  let lastPost = performance.now();
  const poller = (async () => {
    while (polling || seenAt.size < sentAt.size) {
      const r = await db.query<{ store_id: string }>("SELECT store_id FROM minute_totals WHERE store_id LIKE $1", [`${tag}-%`]);
      const now = performance.now();
      for (const { store_id } of r.rows) if (!seenAt.has(store_id)) seenAt.set(store_id, now);
      await new Promise((res) => setTimeout(res, pollMs));
      if (!polling && performance.now() - lastPost > 60_000) break;
    }
  })();
  const total = opts.rate * opts.seconds;
  const posts: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const storeId = `${tag}-${i}`;
    const body = JSON.stringify({
      eventId: randomUUID(),
      storeId,
      occurredAt: new Date().toISOString(),
      type: "sale",
      currency: "EUR",
      lines: [{ sku: "f", quantity: 1, unitPriceMinor: 100 }],
      totalMinor: 100,
    });
    sentAt.set(storeId, performance.now());
    lastPost = performance.now();
    posts.push(
      fetch(`${url}/v1/sales`, { method: "POST", headers: { "content-type": "application/json" }, body }).then(async (r) => {
        if (r.status !== 202) throw new Error(`POST ${r.status}: ${await r.text()}`);
      }),
    );
    await new Promise((res) => setTimeout(res, 1000 / opts.rate));
  }
  await Promise.all(posts);
  polling = false;
  await poller;
  await db.end();
  const ms = [...seenAt].map(([s, t]) => t - sentAt.get(s)!);
  return { posts: total, seen: seenAt.size, ms: percentiles(ms), pollMs };
}
