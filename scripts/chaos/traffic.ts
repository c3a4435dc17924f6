import { DEFAULT_MIX, makeStores, rng, TrafficGenerator } from "../sim/traffic.ts";

/**
 * The simulator's traffic (duplicates, out-of-order and late events) sent to whichever instance is
 * up. Keeps every acknowledged event id; events of a request that got no 202 are sent again later,
 * as a POS would, until acknowledged.
 */
export class ChaosTraffic {
  readonly acked = new Set<string>();
  private readonly unacked = new Map<string, string>();
  readonly statuses = new Map<number, number>();
  private readonly generator: TrafficGenerator;
  private stopped = false;

  constructor(
    private readonly target: () => string | null,
    opts: { stores: number; seed: number },
  ) {
    this.generator = new TrafficGenerator(makeStores(opts.stores), { ...DEFAULT_MIX, late: 0.02, duplicates: 0.05 }, rng(opts.seed));
  }

  get counts() {
    return this.generator.counts;
  }

  private async post(events: { eventId: string; json: string }[]): Promise<number> {
    const url = this.target();
    let status = 0;
    if (url) {
      try {
        const r = await fetch(`${url}/v1/sales`, { method: "POST", headers: { "content-type": "application/json" }, body: `[${events.map((e) => e.json).join(",")}]`, signal: AbortSignal.timeout(15_000) });
        status = r.status;
        await r.arrayBuffer();
      } catch {
        status = 0;
      }
    }
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    for (const e of events) {
      if (status === 202) {
        this.acked.add(e.eventId);
        this.unacked.delete(e.eventId);
      } else if (!this.acked.has(e.eventId)) this.unacked.set(e.eventId, e.json);
    }
    return status;
  }

  async run(opts: { batch: number; workers: number; pauseMs: number }): Promise<void> {
    const worker = async () => {
      while (!this.stopped) {
        const batch = new Map<string, { eventId: string; json: string }>();
        while (batch.size < opts.batch) {
          const e = this.generator.next();
          batch.set(e.eventId, e);
        }
        const status = await this.post([...batch.values()]);
        await new Promise((r) => setTimeout(r, status === 202 ? opts.pauseMs : 500));
      }
    };
    await Promise.all(Array.from({ length: opts.workers }, worker));
  }

  stop(): void {
    this.stopped = true;
  }

  /** Sends every event not yet acknowledged until it is (or the deadline passes). */
  async settle(deadlineMs: number): Promise<void> {
    const until = Date.now() + deadlineMs;
    while (this.unacked.size) {
      if (Date.now() > until) throw new Error(`${this.unacked.size} events were never acknowledged`);
      const batch = [...this.unacked].slice(0, 200).map(([eventId, json]) => ({ eventId, json }));
      if ((await this.post(batch)) !== 202) await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
