import { randomUUID } from "node:crypto";

export interface PosEvent {
  eventId: string;
  storeId: string;
  occurredAt: string;
  type: "sale" | "refund";
  currency: string;
  lines: { sku: string; quantity: number; unitPriceMinor: number }[];
}

/** Deterministic-enough POS traffic: several stores and currencies, refunds, slightly out of order. */
export function makeEvents(n: number, prefix = "crash-store", stores = 8): PosEvent[] {
  return Array.from({ length: n }, (_, i) => {
    const store = i % stores;
    return {
      eventId: randomUUID(),
      storeId: `${prefix}-${store}`,
      occurredAt: new Date(Date.now() - Math.floor(Math.random() * 3000)).toISOString(),
      type: i % 13 === 0 ? "refund" : "sale",
      currency: store % 3 === 0 ? "USD" : "EUR",
      lines: [{ sku: `sku-${i % 17}`, quantity: 1 + (i % 3), unitPriceMinor: 99 + (i % 250) }],
    };
  });
}

/**
 * Sends batches to whatever URL `target()` returns, with some retried (duplicate) POSTs. Records
 * which events were acknowledged (202) and which requests failed (no answer: to be retried).
 */
export class Sender {
  readonly acked = new Map<string, PosEvent>();
  readonly unacked = new Map<string, PosEvent>();
  statuses = new Map<number, number>();
  private stopped = false;

  constructor(private readonly target: () => string, readonly storePrefix = "crash-store") {}

  async post(batch: PosEvent[]): Promise<number> {
    try {
      const r = await fetch(`${this.target()}/v1/sales`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(batch), signal: AbortSignal.timeout(15_000) });
      this.statuses.set(r.status, (this.statuses.get(r.status) ?? 0) + 1);
      await r.arrayBuffer();
      for (const e of batch) {
        if (r.status === 202) {
          this.acked.set(e.eventId, e);
          this.unacked.delete(e.eventId);
        } else if (!this.acked.has(e.eventId)) this.unacked.set(e.eventId, e);
      }
      return r.status;
    } catch {
      this.statuses.set(0, (this.statuses.get(0) ?? 0) + 1);
      for (const e of batch) if (!this.acked.has(e.eventId)) this.unacked.set(e.eventId, e);
      return 0;
    }
  }

  /** Sends batches of `size` from `workers` loops until stop(); every 5th batch re-sends an earlier one. */
  async run(opts: { size: number; workers: number; pauseMs?: number }): Promise<void> {
    const sent: PosEvent[][] = [];
    let n = 0;
    const worker = async () => {
      while (!this.stopped) {
        const batch = sent.length && ++n % 5 === 0 ? sent[Math.floor(Math.random() * sent.length)]! : makeEvents(opts.size, this.storePrefix);
        sent.push(batch);
        await this.post(batch);
        if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
      }
    };
    await Promise.all(Array.from({ length: opts.workers }, worker));
  }

  /** Re-POSTs everything not acknowledged until it is. */
  async retryUnacked(deadlineMs = 60_000): Promise<void> {
    const until = Date.now() + deadlineMs;
    while (this.unacked.size) {
      if (Date.now() > until) throw new Error(`${this.unacked.size} events never acknowledged`);
      const batch = [...this.unacked.values()].slice(0, 200);
      if ((await this.post(batch)) !== 202) await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** Waits until at least n events are acknowledged: traffic really flowed, whatever the machine's speed. */
  async ackedAtLeast(n: number, timeoutMs = 120_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.acked.size < n) {
      if (Date.now() > until) throw new Error(`only ${this.acked.size} of ${n} events acknowledged in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  stop(): void {
    this.stopped = true;
  }
}

export function expectedNetByStoreMinute(events: Iterable<PosEvent>): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of events) {
    const minute = Math.floor(Date.parse(e.occurredAt) / 60_000) * 60_000;
    const key = `${e.storeId}|${minute}|${e.currency}`;
    const amount = e.lines.reduce((s, l) => s + l.quantity * l.unitPriceMinor, 0);
    out.set(key, (out.get(key) ?? 0) + (e.type === "sale" ? amount : -amount));
  }
  return out;
}
