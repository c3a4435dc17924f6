import { dispatch, spawn, type Ref } from "nact";
import { rowView, windowKey } from "../domain/minute-row.ts";
import {
  absentWindows,
  applyEvents,
  closeDue,
  evictSettled,
  hasOpenWindows,
  installWindows,
  learnStoredIds,
  markLateRecorded,
  markWritten,
  minDirtyOffset,
  missingWindows,
  newStoreWindows,
  nextSweepWork,
  rowsToWrite,
  viewOf,
  type Clock,
  type StoreWindows,
  type WindowKey,
} from "../domain/store-windows.ts";
import type { Tick } from "../live/ports.ts";
import type { ActorDeps } from "./deps.ts";
import type { StoreMsg, StoreReply, StoreRows, StoreStatus } from "./messages.ts";

function status(s: StoreWindows, deps: ActorDeps): StoreStatus {
  const minDirty = minDirtyOffset(s);
  return { minDirty, settled: minDirty === null && !hasOpenWindows(s), windows: s.windows.size, wake: nextSweepWork(s, deps.windowing) };
}

/** Closes what the partition's progress has passed, writes what is due, and returns the written rows. */
async function writeDue(s: StoreWindows, clock: Clock, deps: ActorDeps, force: boolean, out: StoreRows): Promise<Tick[]> {
  closeDue(s, clock, deps.windowing);
  const rows = rowsToWrite(s, clock, deps.windowing, force);
  if (rows.length === 0) return [];
  const started = performance.now();
  await deps.minutes.writeRows(rows);
  deps.metrics.flushSeconds.observe((performance.now() - started) / 1000);
  deps.metrics.rowWrites.inc(undefined, rows.length);
  markWritten(s, rows, clock.now);
  const ticks = rows.map(rowView);
  out.written.push(...ticks);
  return ticks;
}

/**
 * Of the rows just written, those that tell the live feed something new: the final ones (the minute
 * closed). A provisional row is written at an offset whose tick went out when its events were
 * applied, so the feed and the live view take it as nothing newer (`isNewerRow`); published anyway,
 * every checkpoint sent each busy store's window a second time through the ticks topic, the
 * worker's thread port and every "*" client's socket.
 */
const ticksOfWritten = (written: readonly Tick[]): Tick[] => written.filter((t) => !t.provisional);

type Counts = { ok: true; applied: number; duplicates: number; replayed: number; late: number };
const NO_EVENTS: Counts = { ok: true, applied: 0, duplicates: 0, replayed: 0, late: 0 };

/** Records late events not yet recorded (also those of an earlier attempt whose recording failed). */
async function recordPendingLate(s: StoreWindows, deps: ActorDeps): Promise<void> {
  if (s.pendingLate.length === 0) return;
  const pending = [...s.pendingLate];
  await deps.late.recordLate(pending);
  markLateRecorded(s, pending);
}

/** Loads windows not in memory from their stored rows; the partition's totals take the loaded rows (a previous owner may have written them). */
async function load(s: StoreWindows, keys: readonly WindowKey[], deps: ActorDeps, now: number, out: StoreRows): Promise<void> {
  if (keys.length === 0) return;
  const loaded = await deps.minutes.loadRows(s.storeId, keys);
  installWindows(s, keys, loaded, now);
  for (const row of loaded) out.written.push(rowView(row));
}

async function handle(s: StoreWindows, msg: StoreMsg, deps: ActorDeps, out: StoreRows): Promise<Counts> {
  const clock: Clock = { ...msg.clock, now: deps.now() };
  if (msg.kind === "sweep") {
    await recordPendingLate(s, deps);
    deps.ticks.publish(ticksOfWritten(await writeDue(s, clock, deps, msg.force, out)));
    evictSettled(s, clock.now, deps.windowing);
    return NO_EVENTS;
  }
  if (msg.kind === "adopt") {
    await load(s, absentWindows(s, msg.keys), deps, clock.now, out);
    deps.ticks.publish(ticksOfWritten(await writeDue(s, clock, deps, false, out)));
    return NO_EVENTS;
  }
  const absent: WindowKey[] = [];
  const toRead: WindowKey[] = [];
  for (const k of missingWindows(s, msg.events)) (msg.absent.some((a) => a.minute === k.minute && a.currency === k.currency) ? absent : toRead).push(k);
  if (absent.length) {
    installWindows(s, absent, [], clock.now);
    deps.metrics.windowStarts.inc(WITHOUT_READ, absent.length);
  }
  if (toRead.length) deps.metrics.windowStarts.inc(FROM_READ, toRead.length);
  await load(s, toRead, deps, clock.now, out);
  let result = applyEvents(s, msg.events, deps.windowing);
  while (result.needsStoredIds) {
    // An id matched a fingerprint of the window's stored ids (a duplicate or a collision): the row's list tells.
    const [row] = await deps.minutes.loadRows(s.storeId, [result.needsStoredIds]);
    learnStoredIds(s, result.needsStoredIds, row?.eventIds ?? []);
    deps.metrics.storedIdReads.inc();
    result = applyEvents(s, msg.events, deps.windowing, result);
  }
  if (result.late.length) s.pendingLate.push(...result.late);
  // The changed windows go out before any write: an event's tick does not wait for its store's
  // checkpoint (about one event in CHECKPOINT_MS ÷ the store's event spacing did). A row then
  // written at the same offset adds nothing for the feed; a final one supersedes the view.
  const views = new Map<ReturnType<typeof windowKey>, Tick>();
  for (const key of result.changed) {
    const view = viewOf(s, key);
    if (view) views.set(key, view);
  }
  deps.ticks.publish([...views.values()]);
  await recordPendingLate(s, deps);
  const written = await writeDue(s, clock, deps, false, out);
  for (const t of written) views.delete(windowKey(t.minute, t.currency));
  out.live.push(...views.values());
  deps.ticks.publish(ticksOfWritten(written));
  let applied = 0;
  let duplicates = 0;
  let replayed = 0;
  let late = 0;
  let refused = 0;
  for (const o of result.outcomes) {
    if (o === "applied") applied++;
    else if (o === "duplicate") duplicates++;
    else if (o === "replayed") replayed++;
    else if (o === "late") late++;
    else refused++;
  }
  const processed = deps.metrics.processedEvents;
  if (applied) processed.inc(APPLIED, applied);
  if (duplicates) processed.inc(DUPLICATE, duplicates);
  if (replayed) processed.inc(REPLAYED, replayed);
  if (late) {
    processed.inc(LATE, late);
    deps.metrics.lateEvents.inc(undefined, late);
  }
  if (refused) {
    processed.inc(REFUSED, refused);
    deps.metrics.amountOutOfRange.inc({ where: "store_window" }, refused);
  }
  return { ok: true, applied, duplicates, replayed, late };
}

const WITHOUT_READ = { how: "known_absent" };
const FROM_READ = { how: "read" };
const APPLIED = { outcome: "applied" };
const DUPLICATE = { outcome: "duplicates" };
const REPLAYED = { outcome: "replayed" };
const LATE = { outcome: "late" };
const REFUSED = { outcome: "refused" };

/**
 * One actor per store: owns its minute windows. It never crashes: a failed load or write is
 * reported to the partition, which retries the batch (replay-safe by offsets and event ids).
 */
export function spawnStoreActor(parent: Ref<unknown>, storeId: string, deps: ActorDeps): Ref<StoreMsg> {
  return spawn(
    parent as Ref<never>,
    async (state: StoreWindows, msg: StoreMsg): Promise<StoreWindows> => {
      const out: StoreRows = { written: [], live: [] };
      let counts: Counts | { ok: false; error: string };
      try {
        counts = await handle(state, msg, deps, out);
      } catch (err) {
        counts = { ok: false, error: (err as Error).message ?? String(err) };
      }
      const st = status(state, deps);
      // The usual reply is one literal of one shape: spreads of differently shaped objects take V8's slow path on every message.
      const reply: StoreReply = counts.ok
        ? { ok: true, applied: counts.applied, duplicates: counts.duplicates, replayed: counts.replayed, late: counts.late, minDirty: st.minDirty, settled: st.settled, windows: st.windows, wake: st.wake, written: out.written, live: out.live }
        : { ...counts, ...st, ...out };
      dispatch(msg.replyTo, reply);
      return state;
    },
    `store-${storeId}`,
    { initialState: newStoreWindows(storeId, deps.idFingerprint) },
  );
}
