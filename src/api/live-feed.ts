import type { WebSocket } from "ws";
import { isPartitionTick, type LiveTick, type Tick, type TickSubscriber } from "../live/ports.ts";
import type { Metrics } from "../observability/metrics.ts";
import { publicMinute, type MinuteQueries } from "../projections/queries.ts";
import { MINUTE_MS } from "../domain/time.ts";

export interface LiveFeedOptions {
  minIntervalMs: number;
  maxBufferedBytes: number;
  snapshotMinutes: number;
}

interface Client {
  socket: WebSocket;
  stores: Set<string> | "*";
  lastSent: Map<string, number>;
  pending: Map<string, Map<string, Tick>>;
  timers: Map<string, NodeJS.Timeout>;
}

function tickMessage(t: Tick, provisional: boolean) {
  return { type: "tick", storeId: t.storeId, ...publicMinute(t.minute, t.currency, t, provisional) };
}

/**
 * Websocket fan-out of ticks. Per client and store: the first change after a quiet spell goes out
 * at once, later ones are coalesced (latest wins) to one message per minIntervalMs. A client whose
 * socket buffers more than maxBufferedBytes is dropped, so slow readers cannot grow memory.
 */
export class LiveFeed {
  private readonly clients = new Set<Client>();
  private readonly unsubscribe: () => void;

  constructor(
    ticks: TickSubscriber,
    private readonly queries: MinuteQueries,
    private readonly metrics: Metrics,
    private readonly opts: LiveFeedOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.unsubscribe = ticks.subscribe((batch) => this.fanOut(batch));
  }

  accept(socket: WebSocket): void {
    const client: Client = { socket, stores: new Set(), lastSent: new Map(), pending: new Map(), timers: new Map() };
    this.clients.add(client);
    this.metrics.wsClients.set(this.clients.size);
    socket.on("message", (data) => void this.onMessage(client, data.toString()));
    socket.on("close", () => this.drop(client));
    socket.on("error", () => this.drop(client));
    this.send(client, { type: "hello", message: 'send {"subscribe": ["store-1", ...]} or {"subscribe": "*"}' });
  }

  private async onMessage(client: Client, text: string): Promise<void> {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      return this.send(client, { type: "error", error: "messages must be JSON" });
    }
    const sub = (msg as { subscribe?: unknown }).subscribe;
    const valid = sub === "*" || (Array.isArray(sub) && sub.length > 0 && sub.every((s) => typeof s === "string" && /^[A-Za-z0-9_-]{1,64}$/.test(s)));
    if (!valid) return this.send(client, { type: "error", error: 'expected {"subscribe": "*"} or {"subscribe": ["<storeId>", ...]}' });
    client.stores = sub === "*" ? "*" : new Set(sub as string[]);
    const to = this.now() + MINUTE_MS;
    const from = to - this.opts.snapshotMinutes * MINUTE_MS;
    const stores = client.stores === "*" ? null : [...client.stores];
    const minutes = stores === null
      ? await this.queries.storeRowsForAll(from, to)
      : (await Promise.all(stores.map(async (s) => (await this.queries.storeMinutes(s, from, to)).map((m) => ({ storeId: s, ...m }))))).flat();
    this.send(client, { type: "snapshot", stores: client.stores === "*" ? "*" : stores, from: new Date(from).toISOString(), to: new Date(to).toISOString(), minutes });
  }

  private fanOut(batch: readonly LiveTick[]): void {
    for (const client of this.clients) {
      for (const t of batch) {
        if (isPartitionTick(t)) continue; // partition aggregates feed REST only, not the per-store feed
        if (client.stores !== "*" && !client.stores.has(t.storeId)) continue;
        let perStore = client.pending.get(t.storeId);
        if (!perStore) client.pending.set(t.storeId, (perStore = new Map()));
        perStore.set(`${t.minute}|${t.currency}`, t);
        this.schedule(client, t.storeId);
      }
    }
  }

  private schedule(client: Client, storeId: string): void {
    if (client.timers.has(storeId)) return;
    const wait = (client.lastSent.get(storeId) ?? -Infinity) + this.opts.minIntervalMs - this.now();
    if (wait <= 0) return this.flushStore(client, storeId);
    client.timers.set(storeId, setTimeout(() => { client.timers.delete(storeId); this.flushStore(client, storeId); }, wait));
  }

  private flushStore(client: Client, storeId: string): void {
    const pending = client.pending.get(storeId);
    if (!pending || pending.size === 0) return;
    client.pending.delete(storeId);
    client.lastSent.set(storeId, this.now());
    for (const t of pending.values()) this.send(client, tickMessage(t, this.queries.isProvisional(t)));
  }

  private send(client: Client, msg: unknown): void {
    if (client.socket.readyState !== client.socket.OPEN) return;
    if (client.socket.bufferedAmount > this.opts.maxBufferedBytes) {
      this.metrics.wsDropped.inc();
      client.socket.close(1013, "too slow: dropped to protect the server");
      this.drop(client);
      return;
    }
    client.socket.send(JSON.stringify(msg));
  }

  private drop(client: Client): void {
    if (!this.clients.delete(client)) return;
    for (const t of client.timers.values()) clearTimeout(t);
    this.metrics.wsClients.set(this.clients.size);
  }

  clientCount(): number {
    return this.clients.size;
  }

  close(): void {
    this.unsubscribe();
    for (const c of [...this.clients]) {
      c.socket.close(1001, "server shutting down");
      this.drop(c);
    }
  }
}
