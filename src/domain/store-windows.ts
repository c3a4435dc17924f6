import type { EventSummary, SaleEvent } from "./event.ts";
import { addAmounts, fitsEvent, windowKey, type MinuteRow, type RowView, viewFrom } from "./minute-row.ts";
import { MAX_EXACT_MINOR } from "./money.ts";
import { idFingerprint, WindowIds, type IdFingerprint } from "./window-ids.ts";
import { MINUTE_MS, msIntoMinute, small, timeInMinute } from "./time.ts";
import type { WindowingConfig } from "./windowing-config.ts";
import { isBeyondLateness, isClosedBy, mayEvict, settledAt, windowOf, type PartitionClock } from "./windows.ts";

/**
 * An event as read from the log: the position makes replays recognisable. Raw history keeps whole
 * events; the window path reads summaries (`WindowedEvent`).
 */
export interface LoggedEvent<E extends EventSummary = SaleEvent> {
  partition: number;
  offset: number;
  /** When the log appended it (ms). Lateness is judged against it, so a replay judges alike. */
  appendTime: number;
  event: E;
}

/** What windows apply: a logged event without its lines. */
export type WindowedEvent = LoggedEvent<EventSummary>;

export interface LateEvent {
  event: EventSummary;
  partition: number;
  offset: number;
  appendTime: number;
  reason: string;
}

/** `refused`: counting it would take a sum of its window out of the exact range (see money.ts). */
export type Outcome = "applied" | "duplicate" | "replayed" | "late" | "refused";

export const REFUSED_OUT_OF_RANGE = `refused: a sum of its window would exceed ${MAX_EXACT_MINOR} minor units (not exact)`;

/**
 * One window's state. Times are small integers relative to the window's minute: V8 keeps those in
 * the object, while an epoch-ms double (past 2^31) gets a heap box of its own for every field.
 */
interface Window {
  /** The window's minute as epoch minutes. */
  minuteNo: number;
  currency: string;
  saleCount: number;
  refundCount: number;
  grossMinor: number;
  refundMinor: number;
  itemCount: number;
  /** Earliest and latest event time, as ms after the minute's start; −1 when no event is counted. */
  firstMs: number;
  lastMs: number;
  ids: WindowIds;
  partition: number;
  offset: number;
  revision: number;
  /** Closed windows have been (or are about to be) written as final. */
  closed: boolean;
  /** Lowest offset applied since the last write, or null when the stored row is current. */
  dirtySince: number | null;
  /** The stored row (if any) still says provisional: a closed window owes it a final write. */
  storedProvisional: boolean;
  /** When it was last written (or loaded), as ms after the minute's start. */
  lastWriteMs: number;
}

function newWindow(minute: number, currency: string, ids: WindowIds, now: number): Window {
  return {
    minuteNo: small(minute / MINUTE_MS),
    currency,
    saleCount: 0,
    refundCount: 0,
    grossMinor: 0,
    refundMinor: 0,
    itemCount: 0,
    firstMs: -1,
    lastMs: -1,
    ids,
    partition: -1,
    offset: -1,
    revision: 0,
    closed: false,
    dirtySince: null,
    storedProvisional: false,
    lastWriteMs: small(now - minute),
  };
}

const minuteOfWindow = (w: Window) => w.minuteNo * MINUTE_MS;

/** State of one store, owned by its actor. Pure functions below; no I/O, time comes in as `now`. */
export interface StoreWindows {
  storeId: string;
  windows: Map<number, Window>;
  /**
   * Late events (from applyEvents) the actor has not yet durably recorded. They hold back the commit
   * like dirty windows do: once their window has applied a later offset, a replay would skip them.
   */
  pendingLate: LateEvent[];
  fingerprint: IdFingerprint;
}

export interface WindowKey {
  minute: number;
  currency: string;
}

/** `fingerprint`: how window ids are hashed (tests pass a colliding one to exercise the stored-id reads). */
export function newStoreWindows(storeId: string, fingerprint: IdFingerprint = idFingerprint): StoreWindows {
  return { storeId, windows: new Map(), pendingLate: [], fingerprint };
}

/** Windows these events touch that are not in memory: the actor loads their rows first. */
export function missingWindows(s: StoreWindows, events: readonly WindowedEvent[]): WindowKey[] {
  const out = new Map<number, WindowKey>();
  for (const { event } of events) {
    const minute = windowOf(event.occurredAtMs);
    const key = windowKey(minute, event.currency);
    if (!s.windows.has(key) && !out.has(key)) out.set(key, { minute, currency: event.currency });
  }
  return [...out.values()];
}

/** Of these windows (a new owner's provisional rows), those not in memory: the actor loads them to finalise them. */
export function absentWindows(s: StoreWindows, keys: readonly WindowKey[]): WindowKey[] {
  const out = new Map<number, WindowKey>();
  for (const k of keys) {
    const key = windowKey(k.minute, k.currency);
    if (!s.windows.has(key)) out.set(key, k);
  }
  return [...out.values()];
}

/** Installs rows loaded from the projection; keys without a row start empty. */
export function installWindows(s: StoreWindows, wanted: readonly WindowKey[], rows: readonly MinuteRow[], now: number): void {
  const byKey = new Map(rows.map((r) => [windowKey(r.minute, r.currency), r]));
  for (const k of wanted) {
    const key = windowKey(k.minute, k.currency);
    const row = byKey.get(key);
    const w = newWindow(k.minute, k.currency, new WindowIds(s.fingerprint, row?.eventIds), now);
    if (row) {
      w.saleCount = row.saleCount;
      w.refundCount = row.refundCount;
      w.grossMinor = row.grossMinor;
      w.refundMinor = row.refundMinor;
      w.itemCount = row.itemCount;
      // A stored row's times lie in its minute (our writes); one that did not would read back as none.
      w.firstMs = msIntoMinute(row.minute, row.firstEventAt) ?? -1;
      w.lastMs = msIntoMinute(row.minute, row.lastEventAt) ?? -1;
      w.partition = row.partition;
      w.offset = row.offset;
      w.revision = row.revision;
      w.closed = !row.provisional;
      w.storedProvisional = row.provisional;
    }
    s.windows.set(key, w);
  }
}

export interface ApplyResult {
  /** One per event applied so far, in order: applying goes on from events[outcomes.length]. */
  outcomes: Outcome[];
  /** Events not counted (late or refused), with the reason: recorded for reconciliation. */
  late: LateEvent[];
  /** Keys of windows whose totals changed. */
  changed: Set<number>;
  /**
   * Set when applying stopped: the next event's id has the fingerprint of an id of this window, and
   * only the row's stored ids can tell whether it is one (a duplicate) or a collision. Read them
   * (learnStoredIds), then call applyEvents again with this result.
   */
  needsStoredIds: WindowKey | null;
}

/**
 * Applies events in log order. Every window they touch must be in memory (see missingWindows).
 * `resume`: a result that stopped for stored ids, to go on from.
 */
export function applyEvents(s: StoreWindows, events: readonly WindowedEvent[], cfg: WindowingConfig, resume?: ApplyResult): ApplyResult {
  const result: ApplyResult = resume ? { ...resume, needsStoredIds: null } : { outcomes: [], late: [], changed: new Set(), needsStoredIds: null };
  const { outcomes, late, changed } = result;
  for (let i = outcomes.length; i < events.length; i++) {
    const rec = events[i]!;
    const { event } = rec;
    const minute = windowOf(event.occurredAtMs);
    const key = windowKey(minute, event.currency);
    const w = s.windows.get(key);
    if (!w) throw new Error(`window ${key} of store ${s.storeId} not loaded`);
    if (w.partition === rec.partition && rec.offset <= w.offset) {
      outcomes.push("replayed");
      continue;
    }
    const fresh = w.ids.check(event.eventId);
    if (fresh === "unsure") {
      result.needsStoredIds = { minute, currency: event.currency };
      return result;
    }
    if (fresh === "present") {
      outcomes.push("duplicate");
    } else if (isBeyondLateness(minute, rec.appendTime, cfg)) {
      outcomes.push("late");
      late.push({ event, partition: rec.partition, offset: rec.offset, appendTime: rec.appendTime, reason: "beyond allowed lateness" });
    } else if (!fitsEvent(w, event)) {
      outcomes.push("refused");
      late.push({ event, partition: rec.partition, offset: rec.offset, appendTime: rec.appendTime, reason: REFUSED_OUT_OF_RANGE });
    } else {
      addAmounts(w, event);
      const at = msIntoMinute(minute, event.occurredAtMs)!;
      if (w.firstMs < 0 || at < w.firstMs) w.firstMs = at;
      if (at > w.lastMs) w.lastMs = at;
      w.ids.add(event.eventId, fresh);
      w.partition = rec.partition;
      w.offset = rec.offset;
      if (w.dirtySince === null) w.dirtySince = rec.offset;
      changed.add(key);
      outcomes.push("applied");
    }
  }
  return result;
}

/** The stored ids of a window (read from its row) for which applyEvents stopped. */
export function learnStoredIds(s: StoreWindows, key: WindowKey, ids: readonly string[]): void {
  s.windows.get(windowKey(key.minute, key.currency))?.ids.learnStored(ids);
}

/** The partition's progress (which closes windows) and the wall clock (which only paces checkpoints). */
export interface Clock extends PartitionClock {
  now: number;
}

/** A row to write (with the ids not yet stored) or, without ids, the live view of a window. */
function toRow(s: StoreWindows, w: Window, revision: number): MinuteRow {
  const row: MinuteRow = { ...viewAt(s, w, revision), eventIds: w.ids.pending() };
  if (w.ids.stored > 0) row.idsFrom = w.ids.stored;
  return row;
}

function viewAt(s: StoreWindows, w: Window, revision: number): RowView {
  const minute = minuteOfWindow(w);
  const first = timeInMinute(minute, w.firstMs);
  const last = timeInMinute(minute, w.lastMs);
  return viewFrom(s.storeId, minute, w.currency, w, first, last, w.partition, w.offset, revision, !w.closed);
}

/** The live view of a window (also of a still-open one), as ticks and provisional rows carry it. */
export function viewOf(s: StoreWindows, key: number): RowView | undefined {
  const w = s.windows.get(key);
  return w ? viewAt(s, w, w.revision) : undefined;
}

/** Closes the windows the partition's progress has passed; returns how many closed now. */
export function closeDue(s: StoreWindows, clock: PartitionClock, cfg: WindowingConfig): number {
  let closed = 0;
  for (const w of s.windows.values()) {
    if (w.closed || !isClosedBy(minuteOfWindow(w), clock, cfg)) continue;
    w.closed = true;
    closed += 1;
  }
  return closed;
}

/**
 * The rows to write now (call closeDue first): closed windows with unwritten changes (final or
 * corrections), closed windows whose stored row is still provisional, and dirty open windows whose
 * last write is older than the checkpoint interval (provisional). `force` writes every dirty window
 * (revocation, shutdown).
 */
export function rowsToWrite(s: StoreWindows, clock: Clock, cfg: WindowingConfig, force = false): MinuteRow[] {
  const rows: MinuteRow[] = [];
  for (const w of s.windows.values()) {
    const hasData = w.offset >= 0;
    if (!hasData) continue;
    const due = w.dirtySince !== null && (w.closed || force || clock.now - minuteOfWindow(w) - w.lastWriteMs >= cfg.checkpointMs);
    // A closed window whose stored row is still provisional is written final, also on a retry after a failed write.
    if (due || (w.closed && w.storedProvisional)) rows.push(toRow(s, w, w.revision + 1));
  }
  return rows;
}

/** Records that rows returned by rowsToWrite are durably written. */
export function markWritten(s: StoreWindows, rows: readonly MinuteRow[], now: number): void {
  for (const r of rows) {
    const w = s.windows.get(windowKey(r.minute, r.currency));
    if (!w) continue;
    w.revision = r.revision;
    w.storedProvisional = r.provisional;
    w.ids.markStored((r.idsFrom ?? 0) + r.eventIds.length);
    if (w.offset === r.offset) w.dirtySince = null;
    w.lastWriteMs = small(now - minuteOfWindow(w));
  }
}

/** Drops windows that are written, closed and past the lateness horizon; they reload if needed. */
export function evictSettled(s: StoreWindows, now: number, cfg: WindowingConfig): number {
  let evicted = 0;
  for (const [key, w] of s.windows) {
    if (w.closed && w.dirtySince === null && !w.storedProvisional && mayEvict(minuteOfWindow(w), now, cfg)) {
      s.windows.delete(key);
      evicted += 1;
    }
  }
  return evicted;
}

/** Lowest log offset still held only in memory, or null: the partition cannot commit past it. */
export function minDirtyOffset(s: StoreWindows): number | null {
  let min: number | null = null;
  for (const w of s.windows.values()) if (w.dirtySince !== null && (min === null || w.dirtySince < min)) min = w.dirtySince;
  for (const l of s.pendingLate) if (min === null || l.offset < min) min = l.offset;
  return min;
}

/** Records that these late events (from pendingLate) are durably recorded. */
export function markLateRecorded(s: StoreWindows, recorded: readonly LateEvent[]): void {
  const done = new Set(recorded);
  s.pendingLate = s.pendingLate.filter((l) => !done.has(l));
}

/** Open windows, or closed ones whose final row is not yet stored: the store cannot be passivated. */
export function hasOpenWindows(s: StoreWindows): boolean {
  for (const w of s.windows.values()) if (!w.closed || w.storedProvisional) return true;
  return false;
}

/**
 * When a sweep next has work for a store that gets no new events. Until then a sweep of it would
 * close nothing, write nothing, record and evict nothing, so its partition need not ask it: with
 * thousands of quiet stores per partition, asking each of them every second was most of a sweep.
 */
export interface SweepWake {
  /** From this wall time (ms) a checkpoint or a retried write is due, late events wait, or a window may leave memory. */
  at: number;
  /** The earliest minute of an open window: the store has work once the partition's progress closes it (isClosedBy). */
  openMinute: number;
}

/** What `closeDue`, `rowsToWrite` (not forced), `evictSettled` and the late events will next do, read from the windows. */
export function nextSweepWork(s: StoreWindows, cfg: WindowingConfig): SweepWake {
  let at = s.pendingLate.length ? -Infinity : Infinity;
  let openMinute = Infinity;
  for (const w of s.windows.values()) {
    const minute = minuteOfWindow(w);
    const hasData = w.offset >= 0;
    const dirty = w.dirtySince !== null;
    if (!w.closed) {
      if (minute < openMinute) openMinute = minute;
      if (hasData && dirty) at = Math.min(at, minute + w.lastWriteMs + cfg.checkpointMs);
    } else if (hasData && (dirty || w.storedProvisional)) at = -Infinity;
    else if (!dirty && !w.storedProvisional) at = Math.min(at, settledAt(minute, cfg) + 1); // mayEvict: now > settledAt, in whole ms
  }
  return { at, openMinute };
}

/** Whether a sweep at this clock would have work for a store whose windows gave `wake` (see nextSweepWork). */
export function sweepIsDue(wake: SweepWake, clock: Clock, cfg: WindowingConfig): boolean {
  return clock.now >= wake.at || (wake.openMinute !== Infinity && isClosedBy(wake.openMinute, clock, cfg));
}
