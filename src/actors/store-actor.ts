import { dispatch, spawn, type Ref } from "nact";
import { rowView, type MinuteRow } from "../domain/minute-row.ts";
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
  rowsToWrite,
  viewOf,
  type Clock,
  type StoreWindows,
  type WindowKey,
} from "../domain/store-windows.ts";
import type { Tick } from "../live/ports.ts";
import type { ActorDeps } from "./deps.ts";
import type { StoreMsg, StoreReply, StoreRows, StoreStatus } from "./messages.ts";

function status(s: StoreWindows): StoreStatus {
  const minDirty = minDirtyOffset(s);
  return { minDirty, settled: minDirty === null && !hasOpenWindows(s), windows: s.windows.size };
}

/**
 * A store's row writes. At most one is in flight, and the store's replies do not wait for it: an
 * event's tick and its partition's next batch do not queue behind checkpoint writes. The windows
 * it writes stay dirty until it completes, so the partition's commit stays behind them.
 */
interface Writer {
  inFlight: Promise<void> | null;
  /** Rows written since the last reply: the reply hands them to the partition's totals. */
  unreported: Tick[];
  /** A write in the background failed and the store has not yet said so. */
  failure: string | null;
  /** The last write failed: the store writes in line (its replies fail) until one succeeds. */
  failing: boolean;
}

const newWriter = (): Writer => ({ inFlight: null, unreported: [], failure: null, failing: false });

/** Closes what the partition's progress has passed; the rows due now (`force`: every dirty window). */
function dueRows(s: StoreWindows, clock: Clock, deps: ActorDeps, force: boolean): MinuteRow[] {
  closeDue(s, clock, deps.windowing);
  return rowsToWrite(s, clock, deps.windowing, force);
}

async function write(s: StoreWindows, rows: MinuteRow[], clock: Clock, deps: ActorDeps, w: Writer): Promise<void> {
  const started = performance.now();
  try {
    await deps.minutes.writeRows(rows);
  } catch (err) {
    w.failing = true;
    throw err;
  }
  w.failing = false;
  deps.metrics.flushSeconds.observe((performance.now() - started) / 1000);
  deps.metrics.rowWrites.inc(undefined, rows.length);
  markWritten(s, rows, clock.now);
  const ticks = rows.map(rowView);
  w.unreported.push(...ticks);
  deps.ticks.publish(ticks);
}

/** Starts writing what is due unless a write is in flight (what is due then goes after it, with a later message). */
function writeBehind(s: StoreWindows, clock: Clock, deps: ActorDeps, w: Writer): void {
  if (w.inFlight) return;
  const rows = dueRows(s, clock, deps, false);
  if (rows.length === 0) return;
  w.inFlight = write(s, rows, clock, deps, w)
    .catch((err: unknown) => void (w.failure = (err as Error).message ?? String(err)))
    .finally(() => (w.inFlight = null));
}

/** Waits for the write in flight, then writes what is due: the reply covers every write. */
async function writeInLine(s: StoreWindows, clock: Clock, deps: ActorDeps, force: boolean, w: Writer): Promise<void> {
  await w.inFlight;
  const rows = dueRows(s, clock, deps, force);
  if (rows.length) await write(s, rows, clock, deps, w);
}

/** Behind the reply normally; in line after a failure (so a store outage fails batches, which retry, as before) or when forced. */
function writeDue(s: StoreWindows, clock: Clock, deps: ActorDeps, force: boolean, w: Writer): Promise<void> {
  if (force || w.failing) return writeInLine(s, clock, deps, force, w);
  writeBehind(s, clock, deps, w);
  return Promise.resolve();
}

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

async function handle(s: StoreWindows, msg: StoreMsg, deps: ActorDeps, out: StoreRows, w: Writer): Promise<Counts> {
  const clock: Clock = { ...msg.clock, now: deps.now() };
  if (msg.kind === "sweep") {
    await recordPendingLate(s, deps);
    await writeDue(s, clock, deps, msg.force, w);
    evictSettled(s, clock.now, deps.windowing);
    return NO_EVENTS;
  }
  if (msg.kind === "adopt") {
    await load(s, absentWindows(s, msg.keys), deps, clock.now, out);
    await writeDue(s, clock, deps, false, w);
    return NO_EVENTS;
  }
  await load(s, missingWindows(s, msg.events), deps, clock.now, out);
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
  // checkpoint. A row later written at the same offset adds nothing for the feed; a final one
  // supersedes the view.
  const views: Tick[] = [];
  for (const key of result.changed) {
    const view = viewOf(s, key);
    if (view) views.push(view);
  }
  deps.ticks.publish(views);
  out.live.push(...views);
  await recordPendingLate(s, deps);
  await writeDue(s, clock, deps, false, w);
  const counts = { applied: 0, duplicates: 0, replayed: 0, late: 0, refused: 0 };
  for (const o of result.outcomes) {
    if (o === "applied") counts.applied++;
    else if (o === "duplicate") counts.duplicates++;
    else if (o === "replayed") counts.replayed++;
    else if (o === "late") counts.late++;
    else counts.refused++;
  }
  for (const [outcome, n] of Object.entries(counts)) if (n) deps.metrics.processedEvents.inc({ outcome }, n);
  if (counts.late) deps.metrics.lateEvents.inc(undefined, counts.late);
  if (counts.refused) deps.metrics.amountOutOfRange.inc({ where: "store_window" }, counts.refused);
  const { refused: _refused, ...reported } = counts;
  return { ok: true, ...reported };
}

/** The message's rows for the partition, with the rows written behind since the last reply. */
function reported(out: StoreRows, w: Writer): StoreRows {
  if (w.unreported.length === 0) return out;
  const written = [...out.written, ...w.unreported];
  w.unreported = [];
  return { written, live: out.live };
}

/**
 * One actor per store: owns its minute windows. It never crashes: a failed load or write is
 * reported to the partition (a write behind the reply, with the next reply), which retries the
 * batch (replay-safe by offsets and event ids).
 */
export function spawnStoreActor(parent: Ref<unknown>, storeId: string, deps: ActorDeps): Ref<StoreMsg> {
  const writer = newWriter();
  return spawn(
    parent as Ref<never>,
    async (state: StoreWindows, msg: StoreMsg): Promise<StoreWindows> => {
      let reply: StoreReply;
      const out: StoreRows = { written: [], live: [] };
      try {
        const counts = await handle(state, msg, deps, out, writer);
        if (writer.failure !== null) throw new Error(`writing minute rows failed: ${writer.failure}`);
        reply = { ...counts, ...status(state), ...reported(out, writer) };
      } catch (err) {
        writer.failure = null;
        reply = { ok: false, error: (err as Error).message ?? String(err), ...status(state), ...reported(out, writer) };
      }
      dispatch(msg.replyTo, reply);
      return state;
    },
    `store-${storeId}`,
    { initialState: newStoreWindows(storeId, deps.idFingerprint) },
  );
}
