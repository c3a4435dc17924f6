import { dispatch, spawn, type Ref } from "nact";
import { windowKey } from "../domain/minute-row.ts";
import {
  applyEvents,
  dueWrites,
  evictSettled,
  hasOpenWindows,
  installWindows,
  markLateRecorded,
  markWritten,
  minDirtyOffset,
  missingWindows,
  newStoreWindows,
  viewOf,
  type Clock,
  type StoreWindows,
} from "../domain/store-windows.ts";
import type { Tick } from "../live/ports.ts";
import type { ActorDeps } from "./deps.ts";
import type { StoreMsg, StoreReply, StoreRows, StoreStatus } from "./messages.ts";

function status(s: StoreWindows): StoreStatus {
  const minDirty = minDirtyOffset(s);
  return { minDirty, settled: minDirty === null && !hasOpenWindows(s), windows: s.windows.size };
}

/** Writes what is due, then publishes the written rows (a final row tells subscribers the minute closed). */
async function writeDue(s: StoreWindows, clock: Clock, deps: ActorDeps, force: boolean, out: StoreRows): Promise<Tick[]> {
  const rows = dueWrites(s, clock, deps.windowing, force);
  if (rows.length === 0) return [];
  const started = performance.now();
  await deps.minutes.writeRows(rows);
  deps.metrics.flushSeconds.observe((performance.now() - started) / 1000);
  deps.metrics.rowWrites.inc(undefined, rows.length);
  markWritten(s, rows, clock.now);
  const ticks = rows.map(({ eventIds: _ids, ...tick }) => tick);
  out.written.push(...ticks);
  return ticks;
}

type Counts = { ok: true; applied: number; duplicates: number; replayed: number; late: number };

/** Records late events not yet recorded (also those of an earlier attempt whose recording failed). */
async function recordPendingLate(s: StoreWindows, deps: ActorDeps): Promise<void> {
  if (s.pendingLate.length === 0) return;
  const pending = [...s.pendingLate];
  await deps.late.recordLate(pending);
  markLateRecorded(s, pending);
}

async function handle(s: StoreWindows, msg: StoreMsg, deps: ActorDeps, out: StoreRows): Promise<Counts> {
  const clock = { streamTime: msg.streamTime, now: deps.now() };
  if (msg.kind === "tick") {
    await recordPendingLate(s, deps);
    deps.ticks.publish(await writeDue(s, clock, deps, msg.force, out));
    evictSettled(s, clock.now, deps.windowing);
    return { ok: true, applied: 0, duplicates: 0, replayed: 0, late: 0 };
  }
  const missing = missingWindows(s, msg.events);
  if (missing.length) {
    const loaded = await deps.minutes.loadRows(s.storeId, missing);
    installWindows(s, missing, loaded, clock.now);
    // Loaded rows are durable: the partition's totals take them (a previous owner may have written them).
    for (const { eventIds: _ids, ...row } of loaded) out.written.push(row);
  }
  const result = applyEvents(s, msg.events, deps.windowing);
  if (result.late.length) {
    s.pendingLate.push(...result.late);
    deps.metrics.lateEvents.inc(undefined, result.late.length);
  }
  await recordPendingLate(s, deps);
  const written = await writeDue(s, clock, deps, false, out);
  const writtenKeys = new Set(written.map((t) => windowKey(t.minute, t.currency)));
  const live: Tick[] = [...written];
  for (const key of result.changed) {
    if (writtenKeys.has(key)) continue;
    const view = viewOf(s, key);
    if (view) {
      live.push(view);
      out.live.push(view);
    }
  }
  deps.ticks.publish(live);
  const counts = { applied: 0, duplicates: 0, replayed: 0, late: 0 };
  for (const o of result.outcomes) {
    if (o === "applied") counts.applied++;
    else if (o === "duplicate") counts.duplicates++;
    else if (o === "replayed") counts.replayed++;
    else counts.late++;
  }
  for (const [outcome, n] of Object.entries(counts)) if (n) deps.metrics.processedEvents.inc({ outcome }, n);
  return { ok: true, ...counts };
}

/**
 * One actor per store: owns its minute windows. It never crashes: a failed load or write is
 * reported to the partition, which retries the batch (replay-safe by offsets and event ids).
 */
export function spawnStoreActor(parent: Ref<unknown>, storeId: string, deps: ActorDeps): Ref<StoreMsg> {
  return spawn(
    parent as Ref<never>,
    async (state: StoreWindows, msg: StoreMsg): Promise<StoreWindows> => {
      let reply: StoreReply;
      const out: StoreRows = { written: [], live: [] };
      try {
        reply = { ...(await handle(state, msg, deps, out)), ...status(state), ...out };
      } catch (err) {
        reply = { ok: false, error: (err as Error).message ?? String(err), ...status(state), ...out };
      }
      dispatch(msg.replyTo, reply);
      return state;
    },
    `store-${storeId}`,
    { initialState: newStoreWindows(storeId) },
  );
}
