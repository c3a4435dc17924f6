import { dispatch, query, spawn, stop, type Ref } from "nact";
import { decodeConsumedRecord } from "../consumers/record-decoder.ts";
import {
  absorbLive,
  absorbWritten,
  dueTotals,
  evictTotals,
  hasUnwrittenTotals,
  installLoaded,
  liveTotals,
  markTotalsWritten,
  minutesToLoad,
  newPartitionTotals,
  type PartitionTotalsState,
} from "../domain/partition-totals.ts";
import type { LoggedEvent } from "../domain/store-windows.ts";
import type { Tick } from "../live/ports.ts";
import { throttledErrors } from "../observability/throttled-log.ts";
import { partitionFor } from "../log/partitioner.ts";
import type { LogRecord } from "../log/ports.ts";
import type { ActorDeps } from "./deps.ts";
import type { PartitionMsg, PartitionReply, StoreMsg, StoreReply, StoreStatus } from "./messages.ts";
import { spawnStoreActor } from "./store-actor.ts";

interface StoreEntry extends StoreStatus {
  ref: Ref<StoreMsg>;
  lastActive: number;
}

export interface PartitionState {
  partition: number;
  stores: Map<string, StoreEntry>;
  /** Highest event time seen on this partition, bounded by append time + skew. */
  streamTime: number;
  /** Next offset after the last record handled, or null before the first batch. */
  nextOffset: number | null;
  /** All-stores totals of this partition's stores, per (minute, currency), built from written rows. */
  totals: PartitionTotalsState;
  /**
   * The last commit offset at which every written row was also in a written partition aggregate
   * (initially the offset this life started from). While an aggregate is unwritten (its write or its
   * minute's load failed), commits stop there: a crash then replays records that touch the minute,
   * whose first load repairs the aggregate. Normally aggregates are written in the same message as
   * their rows, so this never holds anything back.
   */
  totalsCommit: number | null;
}

function storeCommitOffset(s: PartitionState): number | null {
  if (s.nextOffset === null) return null;
  let min = s.nextOffset;
  for (const e of s.stores.values()) if (e.minDirty !== null && e.minDirty < min) min = e.minDirty;
  return min;
}

function commitOffset(s: PartitionState): number | null {
  const stores = storeCommitOffset(s);
  if (stores === null) return null;
  if (!hasUnwrittenTotals(s.totals)) {
    s.totalsCommit = stores;
    return stores;
  }
  return s.totalsCommit === null ? null : Math.min(stores, s.totalsCommit);
}

const defaultTotalsErrors = throttledErrors("[partition-totals]");

/**
 * Takes the rows the stores wrote or loaded (and their live views), loads the partition-minutes
 * not yet loaded, writes the changed partition aggregates (after their rows: the rows are already
 * durable) and publishes live partition ticks. Failures only leave aggregates dirty for the next
 * message; they never fail the batch.
 */
async function updateTotals(s: PartitionState, replies: readonly StoreReply[], deps: ActorDeps): Promise<void> {
  const totalsErrors = deps.onError ?? defaultTotalsErrors;
  const mine = (t: Tick) => t.partition === s.partition;
  for (const r of replies) {
    if (r.written.length) absorbWritten(s.totals, r.written.filter(mine));
    if (r.live.length) absorbLive(s.totals, r.live.filter(mine));
  }
  for (const minute of minutesToLoad(s.totals)) {
    try {
      const { rows, totals } = await deps.minutes.loadPartitionMinute(s.partition, minute);
      installLoaded(s.totals, minute, rows, totals);
    } catch (err) {
      totalsErrors(new Error(`partition ${s.partition}: loading minute ${new Date(minute).toISOString()} failed: ${(err as Error).message}`));
    }
  }
  const due = dueTotals(s.totals);
  if (due.length) {
    try {
      await deps.minutes.writePartitionTotals(due);
      markTotalsWritten(s.totals, due);
    } catch (err) {
      totalsErrors(new Error(`partition ${s.partition}: writing partition totals failed: ${(err as Error).message}`));
    }
  }
  const live = liveTotals(s.totals);
  if (live.length) deps.ticks.publish(live.map((t) => ({ ...t, kind: "partition" as const })));
}

/** Decodes a batch once: readable events grouped by store, unreadable records dead-lettered. */
async function decodeBatch(s: PartitionState, records: readonly LogRecord[], deps: ActorDeps): Promise<Map<string, LoggedEvent[]>> {
  const byStore = new Map<string, LoggedEvent[]>();
  for (const rec of records) {
    const decoded = decodeConsumedRecord(rec.value);
    let reason = decoded.ok ? null : decoded.reason;
    if (decoded.ok && partitionFor(decoded.event.storeId, deps.partitions) !== s.partition) {
      reason = `store ${decoded.event.storeId} belongs to partition ${partitionFor(decoded.event.storeId, deps.partitions)}, not ${s.partition} (records must be keyed by storeId)`;
    }
    if (reason !== null || !decoded.ok) {
      await deps.deadLetters.deadLetter(rec, reason ?? "unreadable");
      deps.metrics.deadLetters.inc();
      continue;
    }
    const event = decoded.event;
    const bounded = Math.min(event.occurredAtMs, rec.appendTime + deps.windowing.maxFutureSkewMs);
    if (bounded > s.streamTime) s.streamTime = bounded;
    const logged: LoggedEvent = { partition: rec.partition, offset: rec.offset, appendTime: rec.appendTime, event };
    const list = byStore.get(event.storeId);
    if (list) list.push(logged);
    else byStore.set(event.storeId, [logged]);
  }
  return byStore;
}

async function ask(entry: StoreEntry, make: (replyTo: Ref<StoreReply>) => StoreMsg, deps: ActorDeps): Promise<StoreReply> {
  const reply = await query(entry.ref, make, deps.askTimeoutMs);
  entry.minDirty = reply.minDirty;
  entry.settled = reply.settled;
  entry.windows = reply.windows;
  return reply;
}

function firstError(replies: readonly StoreReply[]): string | null {
  for (const r of replies) if (!r.ok) return r.error;
  return null;
}

async function handle(s: PartitionState, msg: PartitionMsg, self: Ref<PartitionMsg>, deps: ActorDeps): Promise<PartitionReply> {
  const now = deps.now();
  if (msg.kind === "batch") {
    const byStore = await decodeBatch(s, msg.records, deps);
    const replies = await Promise.all(
      [...byStore].map(([storeId, events]) => {
        let entry = s.stores.get(storeId);
        if (!entry) {
          entry = { ref: spawnStoreActor(self, storeId, deps), minDirty: null, settled: true, windows: 0, lastActive: now };
          s.stores.set(storeId, entry);
          deps.metrics.storeActors.inc();
        }
        entry.lastActive = now;
        const streamTime = s.streamTime;
        return ask(entry, (replyTo) => ({ kind: "events", events, streamTime, replyTo }), deps);
      }),
    );
    await updateTotals(s, replies, deps);
    const error = firstError(replies);
    if (error) return { ok: false, error };
    if (s.nextOffset === null && s.totalsCommit === null) s.totalsCommit = msg.records[0]?.offset ?? null;
    const last = msg.records[msg.records.length - 1];
    if (last) s.nextOffset = last.offset + 1;
    return { ok: true, commitOffset: commitOffset(s), windows: openWindowCount(s) };
  }
  const force = msg.kind === "revoke";
  const entries = [...s.stores];
  const replies = await Promise.all(entries.map(([, e]) => ask(e, (replyTo) => ({ kind: "tick", streamTime: s.streamTime, force, replyTo }), deps)));
  await updateTotals(s, replies, deps);
  evictTotals(s.totals, now, deps.windowing);
  const error = firstError(replies);
  if (error) return { ok: false, error };
  for (const [storeId, e] of entries) {
    if (force || (e.settled && now - e.lastActive >= deps.passivateAfterMs)) {
      stop(e.ref);
      s.stores.delete(storeId);
      deps.metrics.storeActors.inc(undefined, -1);
    }
  }
  const reply: PartitionReply = { ok: true, commitOffset: commitOffset(s), windows: openWindowCount(s) };
  // Revoked: everything is written and the stores are stopped; a later batch (a straggler fetched
  // before the rebalance, or a reassignment) starts from the stored rows again.
  if (force) {
    s.nextOffset = null;
    s.totals = newPartitionTotals(s.partition);
    s.totalsCommit = null;
  }
  return reply;
}

/** Supervisor of one assigned partition: decodes its records and hands each store its events in one message. */
export function spawnPartitionActor(parent: Ref<never>, partition: number, deps: ActorDeps): Ref<PartitionMsg> {
  const initial: PartitionState = { partition, stores: new Map(), streamTime: 0, nextOffset: null, totals: newPartitionTotals(partition), totalsCommit: null };
  return spawn(
    parent,
    async (state: PartitionState, msg: PartitionMsg, ctx): Promise<PartitionState> => {
      let reply: PartitionReply;
      try {
        reply = await handle(state, msg, ctx.self, deps);
      } catch (err) {
        reply = { ok: false, error: (err as Error).message ?? String(err) };
      }
      dispatch(msg.replyTo, reply);
      return state;
    },
    `partition-${partition}`,
    { initialState: initial },
  );
}

export function openWindowCount(s: PartitionState): number {
  let n = 0;
  for (const e of s.stores.values()) n += e.windows;
  return n;
}
