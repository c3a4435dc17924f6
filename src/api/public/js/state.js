// What the live page knows: the latest row per (store, minute, currency) from the feed, the
// all-stores totals per (minute, currency) from the feed, and today's store totals from REST.
import { MINUTE_MS, minuteFloor } from "./format.js";
import { isNewerAggregate, isNewerRow } from "./row-order.js";

export const WINDOW_MINUTES = 15;

const params = new URLSearchParams(location.search);

export const state = {
  /** key `${storeId}|${minuteMs}|${currency}` -> row (latest known totals of that window) */
  rows: new Map(),
  /** key `${minuteMs}|${currency}` -> all-stores totals of that minute, as the server summed them */
  allStores: new Map(),
  /** from GET /v1/stores: [{storeId, netMinorByCurrency, lastMinute}] */
  storesToday: [],
  knownStores: new Set(),
  currency: params.get("currency") || "",
  currencyChosen: params.has("currency"),
  store: params.get("store") || "",
  storeChosen: params.has("store"),
  socket: null,
  haveSnapshot: false,
  /** ticks that arrive before the snapshot are applied after it */
  early: [],
  attempt: 0,
  reconnectTimer: 0,
  lastMessageAt: 0,
};

function rowKey(r) {
  return `${r.storeId}|${r.minuteMs}|${r.currency}`;
}

/** A feed row (snapshot or tick) or all-stores minute as the page keeps it; null when unusable. */
function normalise(msg) {
  const minuteMs = Date.parse(msg.minute);
  if (!Number.isFinite(minuteMs) || typeof msg.storeId !== "string" || typeof msg.currency !== "string") return null;
  return {
    storeId: msg.storeId,
    minuteMs,
    minute: msg.minute,
    currency: msg.currency,
    saleCount: msg.saleCount | 0,
    refundCount: msg.refundCount | 0,
    grossMinor: Number(msg.grossMinor) || 0,
    refundMinor: Number(msg.refundMinor) || 0,
    netMinor: Number(msg.netMinor) || 0,
    itemCount: msg.itemCount | 0,
    provisional: msg.provisional === true,
    offset: Number(msg.offset),
    version: Number(msg.version),
  };
}

/**
 * Latest wins, by the domain's rule (row-order.js): this keeps the page right when a tick and the
 * snapshot cross on the wire, whichever arrives first.
 */
export function applyRow(raw) {
  const r = normalise(raw);
  if (!r) return;
  const key = rowKey(r);
  if (isNewerRow(state.rows.get(key), r)) state.rows.set(key, r);
  state.knownStores.add(r.storeId);
}

export function prune() {
  const oldest = minuteFloor(Date.now()) - (WINDOW_MINUTES + 5) * MINUTE_MS;
  for (const [k, r] of state.rows) if (r.minuteMs < oldest) state.rows.delete(k);
  for (const [k, r] of state.allStores) if (r.minuteMs < oldest) state.allStores.delete(k);
}

export function currenciesInView() {
  const weight = new Map();
  for (const r of state.rows.values()) weight.set(r.currency, (weight.get(r.currency) ?? 0) + r.saleCount + r.refundCount);
  for (const s of state.storesToday) {
    for (const c of Object.keys(s.netMinorByCurrency ?? {})) if (!weight.has(c)) weight.set(c, 0);
  }
  return weight;
}

/** Default currency: the one with most events in view, until the user picks one. */
export function chooseCurrency() {
  const weight = currenciesInView();
  if (state.currencyChosen && state.currency) return;
  let best = state.currency;
  let bestW = weight.get(best) ?? -1;
  for (const [c, w] of weight) if (w > bestW) [best, bestW] = [c, w];
  if (best) state.currency = best;
}

export function todayNet(storeId, currency) {
  const s = state.storesToday.find((x) => x.storeId === storeId);
  return s && s.netMinorByCurrency ? s.netMinorByCurrency[currency] : undefined;
}

export function windowRange() {
  let end = minuteFloor(Date.now());
  // A client clock a little behind the server must not hide the newest minute.
  for (const r of state.rows.values()) if (r.currency === state.currency && r.minuteMs > end && r.minuteMs - end <= 5 * MINUTE_MS) end = r.minuteMs;
  return { start: end - (WINDOW_MINUTES - 1) * MINUTE_MS, end };
}

/** Per-minute totals of one store in one currency. */
export function storeSeries(currency, storeId) {
  const byMinute = new Map();
  for (const r of state.rows.values()) if (r.currency === currency && r.storeId === storeId) byMinute.set(r.minuteMs, r);
  return byMinute;
}

/**
 * All stores per minute in one currency: the server's totals (summed from its per-partition
 * aggregates), not a sum of the store rows this page happens to hold.
 */
export function allStoresSeries(currency) {
  const byMinute = new Map();
  for (const m of state.allStores.values()) if (m.currency === currency) byMinute.set(m.minuteMs, { ...m, stores: storesSelling(currency, m.minuteMs) });
  return byMinute;
}

/** Stores with a row in this minute and currency (for the KPI line only). */
function storesSelling(currency, minuteMs) {
  let n = 0;
  for (const r of state.rows.values()) if (r.minuteMs === minuteMs && r.currency === currency) n += 1;
  return n;
}

/** Latest wins: the higher version (row-order.js). */
export function applyAllStores(raw) {
  const r = normalise({ ...raw, storeId: "*" });
  if (!r) return;
  const key = `${r.minuteMs}|${r.currency}`;
  if (isNewerAggregate(state.allStores.get(key), r)) state.allStores.set(key, r);
}
