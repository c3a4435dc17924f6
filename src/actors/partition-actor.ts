import { dispatch, spawn, stop, type Ref } from "nact";
import { askActor } from "./ask.ts";
import {
  absorbLive,
  absorbWritten,
  dueTotals,
  evictTotals,
  hasUnwrittenTotals,
  installLoaded,
  isKnownAbsent,
  isMinuteLoaded,
  isOutOfRange,
  markTotalsWritten,
  minutesToLoad,
  newPartitionTotals,
  takeLiveTotals,
  type PartitionTotalsState,
} from "../domain/partition-totals.ts";
import {
  advanceStreamTime,
  applyCommit,
  decideCommit,
  isStaleLife,
  newPartitionProgress,
  recordHandled,
  recordLogEnd,
  skipsAhead,
  takeQuiet,
  type PartitionProgress,
} from "../domain/partition-progress.ts";
import { sweepIsDue, type WindowedEvent, type SweepWake, type WindowKey } from "../domain/store-windows.ts";
import { MINUTE_MS, minuteOf } from "../domain/time.ts";
import { isBeyondLateness, oldestUnsettledMinute, windowOf } from "../domain/windows.ts";
import type { Tick } from "../live/ports.ts";
import { throttledErrors } from "../observability/throttled-log.ts";
import { partitionFor } from "../event-log/partitioner.ts";
import type { ActorDeps } from "./deps.ts";
import type { PartitionMsg, PartitionReply, StoreMsg, StoreReply, StoreStatus } from "./messages.ts";
import { routeRecords } from "./route-records.ts";
import { spawnStoreActor } from "./store-actor.ts";

interface StoreEntry extends StoreStatus {
  storeId: string;
  ref: Ref<StoreMsg>;
  lastActive: number;
}

export interface PartitionState {
  partition: number;
  stores: Map<string, StoreEntry>;
  progress: PartitionProgress;
  /** All-stores totals of this partition's stores, per (minute, currency), built from written rows. */
  totals: PartitionTotalsState;
  /** The stored provisional rows of this partition (a previous owner's) have been taken over in this life. */
  adopted: boolean;
  /** The stores holding something only in memory (minDirty set): what the commit waits for, without a pass over every store. */
  dirty: Set<StoreEntry>;
  /** Σ windows of the stores, kept as their replies come in. */
  openWindows: number;
}

function newState(partition: number): PartitionState {
  return { partition, stores: new Map(), progress: newPartitionProgress(), totals: newPartitionTotals(partition), adopted: false, dirty: new Set(), openWindows: 0 };
}

/** Decides the commit offset and records what it needs for the next decision. */
function commit(s: PartitionState): number | null {
  const decision = decideCommit(
    s.progress,
    [...s.dirty].map((e) => e.minDirty),
    hasUnwrittenTotals(s.totals),
  );
  applyCommit(s.progress, decision);
  return decision.offset;
}

const defaultTotalsErrors = throttledErrors("[partition-totals]");

/** Stores one sweep message asks at most (see handle): a minute's close no longer holds a partition's batches for all its final writes. */
export const SWEEP_TURN_STORES = 64;

/** A store not heard from yet is swept like any other. */
const DUE_NOW: SweepWake = { at: -Infinity, openMinute: Infinity };

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
  await loadMinutes(s, minutesToLoad(s.totals), deps);
  const due = dueTotals(s.totals);
  const outOfRange = due.filter(isOutOfRange).length;
  if (outOfRange) deps.metrics.amountOutOfRange.inc({ where: "partition_totals" }, outOfRange);
  if (due.length) {
    try {
      await deps.minutes.writePartitionTotals(due);
      markTotalsWritten(s.totals, due);
    } catch (err) {
      totalsErrors(new Error(`partition ${s.partition}: writing partition totals failed: ${(err as Error).message}`));
    }
  }
  const live = takeLiveTotals(s.totals);
  if (live.length) deps.ticks.publish(live.map((t) => ({ ...t, kind: "partition" as const })));
}

/** Loads these partition-minutes' stored rows and aggregates; a minute whose load fails stays unloaded (tried again later). */
async function loadMinutes(s: PartitionState, minutes: Iterable<number>, deps: ActorDeps): Promise<void> {
  await Promise.all(
    [...minutes].map(async (minute) => {
      try {
        const { rows, totals } = await deps.minutes.loadPartitionMinute(s.partition, minute);
        installLoaded(s.totals, minute, rows, totals);
      } catch (err) {
        (deps.onError ?? defaultTotalsErrors)(new Error(`partition ${s.partition}: loading minute ${new Date(minute).toISOString()} failed: ${(err as Error).message}`));
      }
    }),
  );
}

/**
 * The minutes of a batch's events (those still within lateness) whose stored rows are not loaded
 * yet. Loaded before the stores are asked, they tell which windows have no stored row, which is
 * every new store's and every store's first window of a minute: the store then starts it without a
 * read (knownAbsent). The partition loads them for its aggregates anyway once rows are written.
 */
function minutesToPreload(s: PartitionState, byStore: ReadonlyMap<string, readonly WindowedEvent[]>, deps: ActorDeps): Set<number> {
  const minutes = new Set<number>();
  for (const events of byStore.values()) {
    for (const e of events) {
      const minute = windowOf(e.event.occurredAtMs);
      if (!minutes.has(minute) && !isMinuteLoaded(s.totals, minute) && !isBeyondLateness(minute, e.appendTime, deps.windowing)) minutes.add(minute);
    }
  }
  return minutes;
}

/** Of a store's events' windows, those known to have no stored row (see isKnownAbsent). */
function knownAbsent(s: PartitionState, storeId: string, events: readonly WindowedEvent[]): WindowKey[] {
  const out: WindowKey[] = [];
  for (const { event } of events) {
    const minute = windowOf(event.occurredAtMs);
    if (out.some((k) => k.minute === minute && k.currency === event.currency)) continue;
    if (isKnownAbsent(s.totals, storeId, minute, event.currency)) out.push({ minute, currency: event.currency });
  }
  return out;
}

async function ask(s: PartitionState, entry: StoreEntry, make: (replyTo: Ref<StoreReply>) => StoreMsg, deps: ActorDeps): Promise<StoreReply> {
  const reply = await askActor(entry.ref, make, deps, (kind) => `partition ${s.partition}: ${kind} to store ${entry.storeId}`);
  if (s.stores.get(entry.storeId) !== entry) return reply; // let go meanwhile (a retire): it counts no more
  entry.minDirty = reply.minDirty;
  if (reply.minDirty === null) s.dirty.delete(entry);
  else s.dirty.add(entry);
  s.openWindows += reply.windows - entry.windows;
  entry.settled = reply.settled;
  entry.windows = reply.windows;
  entry.wake = reply.wake;
  return reply;
}

/**
 * The store actors gauge counts the entries of `stores`: +1 here when one is spawned and added, −1
 * when one is removed (stopStore, or all of them when the partition actor is retired).
 */
function storeEntry(s: PartitionState, storeId: string, self: Ref<PartitionMsg>, deps: ActorDeps, now: number): StoreEntry {
  let entry = s.stores.get(storeId);
  if (!entry) {
    entry = { storeId, ref: spawnStoreActor(self, storeId, deps), minDirty: null, settled: true, windows: 0, wake: DUE_NOW, lastActive: now };
    s.stores.set(storeId, entry);
    deps.metrics.storeActors.inc();
  }
  entry.lastActive = now;
  return entry;
}

/** Stops a store actor, once: a store already let go (by a retire while a message was in flight) is not counted again. */
function stopStore(s: PartitionState, storeId: string, deps: ActorDeps): void {
  const entry = s.stores.get(storeId);
  if (!entry) return;
  s.stores.delete(storeId);
  s.dirty.delete(entry);
  s.openWindows -= entry.windows;
  stop(entry.ref);
  deps.metrics.storeActors.inc(undefined, -1);
}

const staleLifeWarnings = throttledErrors("[partition]");

/** Drops this life's state (see isStaleLife): stores stop unflushed, windows load again from the stored rows. */
function startAgain(s: PartitionState, firstOffset: number, deps: ActorDeps): void {
  (deps.onError ?? staleLifeWarnings)(
    new Error(`partition ${s.partition}: batch starts at ${firstOffset}, this member's state ends at ${s.progress.nextOffset} and the group committed past it: another member handled the records between, so its windows are read again from the stored rows`),
  );
  deps.metrics.staleStateResets.inc();
  dropState(s, deps);
}

function firstError(replies: readonly StoreReply[]): string | null {
  for (const r of replies) if (!r.ok) return r.error;
  return null;
}

/**
 * A new owner (after a start, restart or rebalance) finds the partition's rows still provisional
 * within the lateness horizon and hands them to their stores, which write them final once the
 * partition's progress has passed their close. The minutes' aggregates are loaded too (repairing
 * any a previous owner left behind). A failed load is retried on the next sweep.
 */
async function adoptProvisional(s: PartitionState, self: Ref<PartitionMsg>, deps: ActorDeps, now: number): Promise<StoreReply[]> {
  const byStore = new Map<string, WindowKey[]>();
  for (let minute = oldestUnsettledMinute(now, deps.windowing); minute <= minuteOf(now); minute += MINUTE_MS) {
    const { rows, totals } = await deps.minutes.loadPartitionMinute(s.partition, minute);
    installLoaded(s.totals, minute, rows, totals);
    for (const r of rows) {
      if (!r.provisional) continue;
      const keys = byStore.get(r.storeId);
      if (keys) keys.push({ minute: r.minute, currency: r.currency });
      else byStore.set(r.storeId, [{ minute: r.minute, currency: r.currency }]);
    }
  }
  s.adopted = true;
  const clock = { streamTime: s.progress.streamTime, caughtUpAt: s.progress.caughtUpAt };
  return Promise.all([...byStore].map(([storeId, keys]) => ask(s, storeEntry(s, storeId, self, deps, now), (replyTo) => ({ kind: "adopt", keys, clock, replyTo }), deps)));
}

/** Stops every store unflushed and starts the partition's state anew; its windows load again from the stored rows. */
function dropState(s: PartitionState, deps: ActorDeps): void {
  for (const storeId of [...s.stores.keys()]) stopStore(s, storeId, deps);
  Object.assign(s, newState(s.partition));
}

async function handle(s: PartitionState, msg: PartitionMsg, self: Ref<PartitionMsg>, deps: ActorDeps): Promise<PartitionReply> {
  const now = deps.now();
  if (msg.kind === "reset") {
    dropState(s, deps);
    return { ok: true, commitOffset: null, windows: 0 };
  }
  if (msg.kind === "batch") {
    const first = msg.records[0];
    if (first && skipsAhead(s.progress, first.offset) && isStaleLife(s.progress, await msg.committed())) startAgain(s, first.offset, deps);
    const { byStore, rejected } = routeRecords(msg.records, s.partition, (storeId) => partitionFor(storeId, deps.partitions));
    for (const { record, reason } of rejected) {
      await deps.deadLetters.deadLetter(record, reason);
      deps.metrics.deadLetters.inc();
    }
    for (const events of byStore.values()) for (const e of events) advanceStreamTime(s.progress, e.event.occurredAtMs, e.appendTime, deps.windowing);
    const clock = { streamTime: s.progress.streamTime, caughtUpAt: s.progress.caughtUpAt };
    if (first) deps.metrics.batchWaitSeconds.observe(Math.max(0, now - first.appendTime) / 1000);
    await loadMinutes(s, minutesToPreload(s, byStore, deps), deps);
    const started = performance.now();
    const replies = await Promise.all(
      [...byStore].map(([storeId, events]) => {
        const absent = knownAbsent(s, storeId, events);
        return ask(s, storeEntry(s, storeId, self, deps, now), (replyTo) => ({ kind: "events", events, absent, clock, replyTo }), deps);
      }),
    );
    const storesDone = performance.now();
    deps.metrics.batchSeconds.observe((storesDone - started) / 1000, { phase: "stores" });
    await updateTotals(s, replies, deps);
    deps.metrics.batchSeconds.observe((performance.now() - storesDone) / 1000, { phase: "totals" });
    const error = firstError(replies);
    if (error) return { ok: false, error };
    const last = msg.records[msg.records.length - 1];
    if (first && last) recordHandled(s.progress, first.offset, last.offset);
    return { ok: true, commitOffset: commit(s), windows: openWindowCount(s) };
  }
  const sweepStarted = performance.now();
  const force = msg.kind === "revoke";
  const firstTurn = msg.kind === "revoke" || !msg.continued;
  if (msg.kind === "sweep" && firstTurn && msg.logEnd) recordLogEnd(s.progress, msg.logEnd);
  const quiet = msg.kind === "sweep" && firstTurn && msg.owned && takeQuiet(s.progress, msg.logEnd);
  const adoptReplies: StoreReply[] = [];
  if (msg.kind === "sweep" && firstTurn && msg.owned && !s.adopted) {
    try {
      adoptReplies.push(...(await adoptProvisional(s, self, deps, now)));
    } catch (err) {
      (deps.onError ?? defaultTotalsErrors)(new Error(`partition ${s.partition}: adopting provisional rows failed: ${(err as Error).message}`));
    }
  }
  const clock = { streamTime: s.progress.streamTime, caughtUpAt: s.progress.caughtUpAt };
  // A store is asked only when the sweep has work for it: the others' sweeps would change nothing.
  const sweepClock = { ...clock, now };
  const due = [...s.stores.values()].filter((e) => force || quiet || sweepIsDue(e.wake, sweepClock, deps.windowing));
  // A write-all sweep (revoke, quiet) takes every store in one turn; any other asks at most a turn's
  // worth, so that the partition's next batch (and its ticks) waits for one turn's writes, not all of them.
  const turn = deps.sweepTurnStores ?? SWEEP_TURN_STORES;
  const more = !force && !quiet && due.length > turn;
  if (more) due.length = turn;
  const replies = await Promise.all(due.map((e) => ask(s, e, (replyTo) => ({ kind: "sweep", clock, force: force || quiet, replyTo }), deps)));
  await updateTotals(s, [...adoptReplies, ...replies], deps);
  // Eviction and passivation pass over every store and minute: once per pass, on its last turn.
  if (!more) evictTotals(s.totals, now, deps.windowing);
  const error = firstError([...adoptReplies, ...replies]);
  if (error) return { ok: false, error };
  if (!more) {
    for (const [storeId, e] of [...s.stores]) {
      if (force || (e.settled && now - e.lastActive >= deps.passivateAfterMs)) stopStore(s, storeId, deps);
    }
  }
  const reply: PartitionReply = { ok: true, commitOffset: commit(s), windows: openWindowCount(s), more };
  if (msg.kind === "sweep") deps.metrics.batchSeconds.observe((performance.now() - sweepStarted) / 1000, { phase: "sweep" });
  // Revoked: everything is written and the stores are stopped; a later batch (a straggler fetched
  // before the rebalance, or a reassignment) starts from the stored rows again.
  if (force) Object.assign(s, newState(s.partition));
  return reply;
}

/** A partition actor, and how its owner ends it. */
export interface PartitionActor {
  ref: Ref<PartitionMsg>;
  /**
   * Stops the actor and lets go of its store actors, whatever it holds: they leave the actor tree
   * and the store actors gauge. Only for the processor's own stop, once nothing asks it anything
   * more: nact runs a message on a later turn than its dispatch, and a stop in between drops it
   * unanswered (its asker waits out the ask timeout). A partition assigned again is therefore reset
   * by a message, in order, never replaced. nact does not stop the children of a stopped actor;
   * they are not stopped here either, because a message the partition actor is still handling may
   * be waiting on their replies. Unreachable, they are collected.
   */
  retire(): void;
}

/** Supervisor of one assigned partition: routes its records to its stores (one message per store) and does their I/O. */
export function spawnPartitionActor(parent: Ref<never>, partition: number, deps: ActorDeps): PartitionActor {
  // nact keeps this very object as the actor's state (handle mutates it in place), so retire sees its stores.
  const state = newState(partition);
  const ref = spawn(
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
    { initialState: state },
  );
  return {
    ref,
    retire() {
      deps.metrics.storeActors.inc(undefined, -state.stores.size);
      // Emptied, so a handler still in flight neither stops nor counts these stores again.
      state.stores.clear();
      state.dirty.clear();
      state.openWindows = 0;
      stop(ref);
    },
  };
}

export function openWindowCount(s: PartitionState): number {
  return s.openWindows;
}
