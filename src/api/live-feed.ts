import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import { isPartitionTick, type LiveTick, type Tick, type TickSubscriber } from "../live/ports.ts";
import type { Metrics } from "../observability/metrics.ts";
import { feedRow, type FeedAllStoresMinute, type FeedRow, type MinuteQueries } from "../projections/queries.ts";
import { MINUTE_MS } from "../domain/time.ts";
import { isNewerRow } from "../domain/windows.ts";
import { AbusePolicy } from "./live/abuse-policy.ts";
import { AllStoresUpdates } from "./live/all-stores-updates.ts";
import { decodeControlMessage, type ControlErrorCode, type Subscription } from "./live/control-message.ts";
import { upgradeGuard, type UpgradeGuardOptions } from "./live/upgrade-guard.ts";
import { componentLogger } from "../observability/logger.ts";
import { GroupCommit } from "../shared/group-commit.ts";

const log = componentLogger("live-feed");

export interface LiveFeedOptions {
  minIntervalMs: number;
  maxBufferedBytes: number;
  snapshotMinutes: number;
  /** Largest frame a client may send (enforced by the socket: bigger closes with 1009). */
  maxMessageBytes: number;
  maxSubscribeIds: number;
  controlPerSecond: number;
  maxViolations: number;
  /** Who may open the feed (Origin allow-list, read keys). */
  access: UpgradeGuardOptions;
  /** Where failures that are not the client's fault are reported (the feed keeps serving). */
  onError?: (err: unknown) => void;
}

/** The connection beneath a websocket (the upgraded HTTP request's socket): corked, a turn's frames leave in one write. */
export type Transport = Pick<Duplex, "cork" | "uncork">;

interface Client {
  socket: WebSocket;
  transport: Transport | null;
  stores: ReadonlySet<string> | "*";
  lastSent: Map<string, number>;
  pending: Map<string, Map<string, Tick>>;
  /** Stores whose coalesced update goes out later, and when; one timer per client serves them all. */
  due: Map<string, number>;
  dueTimer: NodeJS.Timeout | null;
  dueTimerAt: number;
  policy: AbusePolicy;
  /** Subscribes are handled one after the other, so snapshots go out in the order asked. */
  queue: Promise<void>;
  /** Snapshots handed to the socket and not yet written out, and the bytes of updates queued behind them. */
  snapshotsInFlight: number;
  updateBytesBehindSnapshot: number;
}

/** Above this many ids a snapshot reads all rows of the range once instead of one read per store. */
const PER_STORE_READ_LIMIT = 32;

const POLICY_VIOLATION = 1008;

/**
 * A client's coalesced updates go out in passes at least this far apart: the stores that came due
 * meanwhile leave together, in one write, instead of one timer and one write per store. A store's
 * update may leave this much later than LIVE_MIN_INTERVAL_MS after its last one, never sooner.
 */
const DUE_PASS_MS = 20;

/**
 * How long a closed socket may take to answer the close frame before it is cut. ws waits 30 s by
 * default: a dropped client that does not read kept its megabytes buffered that long, and held the
 * server's shutdown for as long.
 */
const CLOSE_HANDSHAKE_MS = 1000;

function closeSocket(socket: WebSocket, code: number, reason: string): void {
  socket.close(code, reason);
  const cut = setTimeout(() => socket.terminate(), CLOSE_HANDSHAKE_MS).unref();
  socket.once("close", () => clearTimeout(cut));
}

/** `partition`, `offset` and `revision` were added after the first clients: older clients ignore them (docs/live-feed.md). */
function tickMessage(t: Tick, provisional: boolean) {
  return { type: "tick", ...feedRow(t, provisional) };
}

/**
 * Websocket fan-out of ticks. Per client and store: the first change after a quiet spell goes out
 * at once, later ones are coalesced (latest wins) to one message per minIntervalMs. A client whose
 * socket buffers more than maxBufferedBytes is dropped, so slow readers cannot grow memory.
 * "*" subscribers also get the all-stores totals per minute and currency ("allStores").
 *
 * Nothing a client sends can throw out of here: every message is decoded defensively, answered
 * with an error message, counted against the client's allowance, and abuse closes the socket.
 */
export class LiveFeed {
  private readonly clients = new Set<Client>();
  private readonly unsubscribe: () => void;
  private readonly allStores: AllStoresUpdates;
  private readonly onError: (err: unknown) => void;
  /**
   * "*" snapshots are the same for every client and large (megabytes on a busy instance): the
   * subscribes that arrive while one is being read share the next read and its encoded frame, so
   * a flood of them costs one read at a time. Each read starts after every subscribe it answers,
   * so no tick falls between a client's snapshot and its first update.
   */
  private readonly allStoresSnapshots = new GroupCommit<Client, Buffer>(async (waiting) => {
    const frame = await this.allStoresSnapshotFrame();
    return waiting.map(() => frame);
  });
  /** Clients corked in this turn (see `cork`). */
  private readonly corked = new Set<Client>();
  /** Fastify preValidation hook for the upgrade request. */
  readonly checkUpgrade: ReturnType<typeof upgradeGuard>;

  constructor(
    ticks: TickSubscriber,
    private readonly queries: MinuteQueries,
    private readonly metrics: Metrics,
    private readonly opts: LiveFeedOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.checkUpgrade = upgradeGuard(opts.access);
    this.onError = opts.onError ?? ((err) => log.error({ err }, "live feed error"));
    this.allStores = new AllStoresUpdates(queries, (minutes) => this.broadcastAllStores(minutes), this.onError, opts.minIntervalMs, now);
    this.unsubscribe = ticks.subscribe((batch) => this.fanOut(batch));
  }

  get maxMessageBytes(): number {
    return this.opts.maxMessageBytes;
  }

  /** `transport`: the socket beneath the websocket, so that the frames of one turn leave in one write (without it, one write each). */
  accept(socket: WebSocket, transport: Transport | null = null): void {
    const client: Client = {
      socket,
      transport,
      stores: new Set(),
      lastSent: new Map(),
      pending: new Map(),
      due: new Map(),
      dueTimer: null,
      dueTimerAt: Infinity,
      policy: new AbusePolicy({ controlPerSecond: this.opts.controlPerSecond, maxViolations: this.opts.maxViolations }, this.now()),
      queue: Promise.resolve(),
      snapshotsInFlight: 0,
      updateBytesBehindSnapshot: 0,
    };
    this.clients.add(client);
    this.metrics.wsClients.set(this.clients.size);
    // First of the error listeners: @fastify/websocket's terminates the socket, which would discard
    // the close frame (1007, 1009) ws has just written into a connection this turn corked.
    socket.prependListener("error", () => this.uncork(client));
    socket.on("message", (data, isBinary) => this.onMessage(client, data, isBinary));
    socket.on("close", () => this.drop(client));
    // Oversized frames (1009) and invalid UTF-8 (1007) surface here; ws closes the socket itself.
    socket.on("error", () => this.drop(client));
    this.send(client, { type: "hello", message: 'send {"subscribe": ["store-1", ...]} or {"subscribe": "*"}', limits: this.limits() });
  }

  private limits() {
    return { maxMessageBytes: this.opts.maxMessageBytes, maxSubscribeIds: this.opts.maxSubscribeIds, controlPerSecond: this.opts.controlPerSecond };
  }

  private onMessage(client: Client, raw: unknown, isBinary: boolean): void {
    if (!this.clients.has(client)) return;
    if (client.policy.admit(this.now()) === "rate-limited") {
      return this.reject(client, "INTRADAY_WS_RATE_LIMITED", `at most ${this.opts.controlPerSecond} messages per second; this one was ignored`);
    }
    const msg = decodeControlMessage(asBuffer(raw), isBinary, { maxSubscribeIds: this.opts.maxSubscribeIds });
    if (!msg.ok) return this.reject(client, msg.code, msg.error);
    client.queue = client.queue
      .then(() => this.subscribe(client, msg.subscribe))
      .catch((err: unknown) => {
        this.onError(err);
        this.send(client, { type: "error", code: "INTRADAY_WS_SNAPSHOT_FAILED", error: "the snapshot could not be read; subscribe again" });
      });
  }

  private reject(client: Client, code: ControlErrorCode, error: string): void {
    const close = client.policy.violate();
    this.send(client, { type: "error", code, error });
    if (close) {
      closeSocket(client.socket, POLICY_VIOLATION, "too many bad or over-rate messages");
      this.drop(client);
    }
  }

  private async subscribe(client: Client, sub: Subscription): Promise<void> {
    if (!this.clients.has(client)) return;
    client.stores = sub === "*" ? "*" : new Set(sub);
    this.clearDue(client);
    client.pending.clear();
    if (sub === "*") return this.sendSnapshot(client, await this.allStoresSnapshots.submit(client));
    const { from, to } = this.snapshotRange();
    const minutes = await this.snapshotRows(new Set(sub), from, to);
    this.sendSnapshot(client, Buffer.from(JSON.stringify({ type: "snapshot", stores: sub, from: new Date(from).toISOString(), to: new Date(to).toISOString(), minutes })));
  }

  private snapshotRange(): { from: number; to: number } {
    const to = this.now() + MINUTE_MS;
    return { from: to - this.opts.snapshotMinutes * MINUTE_MS, to };
  }

  private async allStoresSnapshotFrame(): Promise<Buffer> {
    const { from, to } = this.snapshotRange();
    const minutes = await this.queries.storeRowsForAll(from, to);
    const allStores = await this.queries.allMinutesWithVersion(from, to);
    return Buffer.from(JSON.stringify({ type: "snapshot", stores: "*", from: new Date(from).toISOString(), to: new Date(to).toISOString(), minutes, allStores }));
  }

  private async snapshotRows(stores: ReadonlySet<string>, from: number, to: number): Promise<FeedRow[]> {
    if (stores.size > PER_STORE_READ_LIMIT) return (await this.queries.storeRowsForAll(from, to)).filter((r) => stores.has(r.storeId));
    return (await Promise.all([...stores].map((s) => this.queries.storeFeedRows(s, from, to)))).flat();
  }

  private fanOut(batch: readonly LiveTick[]): void {
    if (this.anyAllStoresClient()) {
      const partitionTicks = batch.filter(isPartitionTick);
      if (partitionTicks.length) this.allStores.changed(partitionTicks);
    }
    for (const client of this.clients) {
      for (const t of batch) {
        if (isPartitionTick(t)) continue;
        if (client.stores !== "*" && !client.stores.has(t.storeId)) continue;
        // The live view has already taken this batch: a tick older than the window's newest (one
        // sent before, or a newer one in this batch) would move a client's view backwards.
        if (this.queries.isSuperseded(t)) continue;
        let perStore = client.pending.get(t.storeId);
        if (!perStore) client.pending.set(t.storeId, (perStore = new Map()));
        // Ticks of one window can arrive out of order (another instance's via Kafka): keep the newest.
        const key = `${t.minute}|${t.currency}`;
        if (isNewerRow(perStore.get(key), t)) perStore.set(key, t);
        this.schedule(client, t.storeId);
      }
    }
  }

  /** All-stores totals are read only while someone listens ("*" snapshots carry their own). */
  private anyAllStoresClient(): boolean {
    for (const c of this.clients) if (c.stores === "*") return true;
    return false;
  }

  private broadcastAllStores(minutes: FeedAllStoresMinute[]): void {
    for (const client of this.clients) if (client.stores === "*") this.send(client, { type: "allStores", minutes });
  }

  private schedule(client: Client, storeId: string): void {
    if (client.due.has(storeId)) return;
    const dueAt = (client.lastSent.get(storeId) ?? -Infinity) + this.opts.minIntervalMs;
    if (dueAt <= this.now()) return this.flushStore(client, storeId);
    client.due.set(storeId, dueAt);
    this.armDue(client, dueAt);
  }

  private armDue(client: Client, at: number): void {
    if (client.dueTimer && client.dueTimerAt <= at) return;
    if (client.dueTimer) clearTimeout(client.dueTimer);
    client.dueTimerAt = at;
    client.dueTimer = setTimeout(() => this.flushDue(client), Math.max(0, at - this.now()));
  }

  /** Sends every store of the client that has come due, and arms the next pass (DUE_PASS_MS at the soonest). */
  private flushDue(client: Client): void {
    client.dueTimer = null;
    client.dueTimerAt = Infinity;
    const now = this.now();
    let next = Infinity;
    for (const [storeId, at] of client.due) {
      if (at > now) next = Math.min(next, at);
      else {
        client.due.delete(storeId);
        this.flushStore(client, storeId);
      }
    }
    if (next !== Infinity && this.clients.has(client)) this.armDue(client, Math.max(next, now + DUE_PASS_MS));
  }

  private clearDue(client: Client): void {
    if (client.dueTimer) clearTimeout(client.dueTimer);
    client.dueTimer = null;
    client.dueTimerAt = Infinity;
    client.due.clear();
  }

  private flushStore(client: Client, storeId: string): void {
    const pending = client.pending.get(storeId);
    if (!pending || pending.size === 0) return;
    client.pending.delete(storeId);
    client.lastSent.set(storeId, this.now());
    for (const t of pending.values()) this.send(client, tickMessage(t, this.queries.isProvisional(t)));
  }

  private send(client: Client, msg: unknown): void {
    if (!this.keepsUp(client, "update")) return;
    this.cork(client);
    const text = JSON.stringify(msg);
    if (client.snapshotsInFlight > 0) client.updateBytesBehindSnapshot += Buffer.byteLength(text);
    client.socket.send(text);
  }

  /**
   * Holds the client's writes until the end of this loop iteration, so its frames leave in one write: ws
   * writes each frame on its own, a system call each, and a "*" client at 3,000 ticks/s cost the
   * API about a quarter of a core in writes alone (docs/benchmarks-cluster.md, session 32). The
   * socket's buffered bytes include what is held, so the slow-client limit still sees them.
   */
  private cork(client: Client): void {
    if (!client.transport || this.corked.has(client)) return;
    // setImmediate, not nextTick: in-process store actors publish from immediates of their own,
    // and this lets the ones of the same loop iteration share the write.
    if (this.corked.size === 0) setImmediate(() => this.uncorkAll());
    this.corked.add(client);
    client.transport.cork();
  }

  private uncorkAll(): void {
    for (const c of this.corked) c.transport!.uncork();
    this.corked.clear();
  }

  private uncork(client: Client): void {
    if (this.corked.delete(client)) client.transport!.uncork();
  }

  /** A snapshot as an encoded text frame (one buffer may go to many sockets: ws does not copy it). */
  private sendSnapshot(client: Client, frame: Buffer): void {
    if (!this.clients.has(client) || !this.keepsUp(client, "snapshot")) return;
    client.snapshotsInFlight += 1;
    client.updateBytesBehindSnapshot = 0;
    client.socket.send(frame, { binary: false }, () => {
      client.snapshotsInFlight -= 1;
      if (client.snapshotsInFlight === 0) client.updateBytesBehindSnapshot = 0;
    });
  }

  /**
   * A client is too slow when the updates waiting for it pass the limit. The snapshot it asked for
   * does not count: a "*" snapshot of a busy instance is megabytes, and counted as backlog it got
   * every new all-stores client (the live page) dropped at the first tick after it (found by the
   * soak). The socket's queue is first in, first out, so while a snapshot is on its way the updates
   * still queued are the last min(bytes sent since it, bytes queued).
   * A client too far behind is dropped; false when it was, or its socket is not open.
   */
  private keepsUp(client: Client, kind: "snapshot" | "update"): boolean {
    if (client.socket.readyState !== client.socket.OPEN) return false;
    const queued = client.socket.bufferedAmount;
    // Only updates behind a snapshot are exempt from counting it: a snapshot still unread when the
    // client asks for another counts in full, or a client that never reads could pile up snapshots.
    const backlog = kind === "update" && client.snapshotsInFlight > 0 ? Math.min(client.updateBytesBehindSnapshot, queued) : queued;
    if (backlog <= this.opts.maxBufferedBytes) return true;
    this.metrics.wsDropped.inc();
    closeSocket(client.socket, 1013, "too slow: dropped to protect the server");
    this.drop(client);
    return false;
  }

  private drop(client: Client): void {
    if (!this.clients.delete(client)) return;
    this.clearDue(client);
    this.metrics.wsClients.set(this.clients.size);
  }

  clientCount(): number {
    return this.clients.size;
  }

  close(): void {
    this.unsubscribe();
    this.allStores.close();
    for (const c of [...this.clients]) {
      closeSocket(c.socket, 1001, "server shutting down");
      this.drop(c);
    }
  }
}

/** ws hands a Buffer, an ArrayBuffer or fragments (Buffer[]) depending on binaryType. */
function asBuffer(raw: unknown): Buffer {
  if (Buffer.isBuffer(raw)) return raw;
  if (Array.isArray(raw)) return Buffer.concat(raw as Buffer[]);
  if (raw instanceof ArrayBuffer) return Buffer.from(raw);
  return Buffer.alloc(0);
}
