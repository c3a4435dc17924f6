// Intraday Sales live page. Plain browser JavaScript, no framework, no build step.
//
// Data: one websocket to /v1/live subscribed to "*". The server sends a snapshot of every
// (store, minute, currency) window of the last minutes, then ticks carrying the current totals of
// one window each. The page keeps the latest row per window and derives everything else from it:
// the all-stores series is the per-minute sum over stores, per currency (currencies are never
// added together). GET /v1/stores supplies today's totals for the ranking and the store list.

const WINDOW_MINUTES = 15;
const MINUTE_MS = 60_000;
const SVG_NS = "http://www.w3.org/2000/svg";
const RECONNECT_DELAYS_MS = [500, 1000, 2000, 4000, 8000, 10000];
const STORES_REFRESH_MS = 15_000;
const TOP_STORES = 8;

// ISO 4217 minor-unit digits where they differ from the common 2.
const MINOR_DIGITS = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0,
  VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
};

const $ = (sel) => document.querySelector(sel);
const params = new URLSearchParams(location.search);

const state = {
  /** key `${storeId}|${minuteMs}|${currency}` -> row (latest known totals of that window) */
  rows: new Map(),
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

// ---------------------------------------------------------------- money and time formatting

function minorDigits(currency) {
  return Object.prototype.hasOwnProperty.call(MINOR_DIGITS, currency) ? MINOR_DIGITS[currency] : 2;
}

const formatters = new Map();
function formatter(currency, compact) {
  const key = `${currency}|${compact ? "c" : "f"}`;
  let f = formatters.get(key);
  if (!f) {
    const digits = minorDigits(currency);
    try {
      f = new Intl.NumberFormat(undefined, compact
        ? { style: "currency", currency, notation: "compact", maximumFractionDigits: 1 }
        : { style: "currency", currency, minimumFractionDigits: digits, maximumFractionDigits: digits });
    } catch {
      f = new Intl.NumberFormat(undefined, { minimumFractionDigits: compact ? 0 : digits, maximumFractionDigits: digits });
    }
    formatters.set(key, f);
  }
  return f;
}

/** Minor units (integer) to a display string; the division is for display only. */
function formatMoney(minor, currency, compact = false) {
  if (!currency) return "—";
  return formatter(currency, compact).format(minor / 10 ** minorDigits(currency));
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", hour12: false });
const timeSecFmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
const countFmt = new Intl.NumberFormat();
const plural = (n, one, many) => `${countFmt.format(n)} ${n === 1 ? one : many}`;

const minuteFloor = (ms) => Math.floor(ms / MINUTE_MS) * MINUTE_MS;

// ---------------------------------------------------------------- state

function rowKey(r) {
  return `${r.storeId}|${r.minuteMs}|${r.currency}`;
}

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
  };
}

/**
 * Latest wins. Events only ever add to a window, so a row with more events is newer; at equal
 * counts the final (closed) row is newer than the provisional one. This keeps the page right even
 * when a tick and the snapshot cross on the wire.
 */
function applyRow(raw) {
  const r = normalise(raw);
  if (!r) return;
  const key = rowKey(r);
  const prev = state.rows.get(key);
  const n = r.saleCount + r.refundCount;
  const pn = prev ? prev.saleCount + prev.refundCount : -1;
  if (!prev || n > pn || (n === pn && (prev.provisional || !r.provisional))) state.rows.set(key, r);
  state.knownStores.add(r.storeId);
}

function prune() {
  const oldest = minuteFloor(Date.now()) - (WINDOW_MINUTES + 5) * MINUTE_MS;
  for (const [k, r] of state.rows) if (r.minuteMs < oldest) state.rows.delete(k);
}

function currenciesInView() {
  const weight = new Map();
  for (const r of state.rows.values()) weight.set(r.currency, (weight.get(r.currency) ?? 0) + r.saleCount + r.refundCount);
  for (const s of state.storesToday) {
    for (const c of Object.keys(s.netMinorByCurrency ?? {})) if (!weight.has(c)) weight.set(c, 0);
  }
  return weight;
}

/** Default currency: the one with most events in view, until the user picks one. */
function chooseCurrency() {
  const weight = currenciesInView();
  if (state.currencyChosen && state.currency) return;
  let best = state.currency;
  let bestW = weight.get(best) ?? -1;
  for (const [c, w] of weight) if (w > bestW) [best, bestW] = [c, w];
  if (best) state.currency = best;
}

function todayNet(storeId, currency) {
  const s = state.storesToday.find((x) => x.storeId === storeId);
  return s && s.netMinorByCurrency ? s.netMinorByCurrency[currency] : undefined;
}

function windowRange() {
  let end = minuteFloor(Date.now());
  // A client clock a little behind the server must not hide the newest minute.
  for (const r of state.rows.values()) if (r.currency === state.currency && r.minuteMs > end && r.minuteMs - end <= 5 * MINUTE_MS) end = r.minuteMs;
  return { start: end - (WINDOW_MINUTES - 1) * MINUTE_MS, end };
}

/** Per minute totals of one currency: one store, or the sum over all stores (storeId null). */
function series(currency, storeId) {
  const byMinute = new Map();
  for (const r of state.rows.values()) {
    if (r.currency !== currency || (storeId !== null && r.storeId !== storeId)) continue;
    let m = byMinute.get(r.minuteMs);
    if (!m) {
      m = { minuteMs: r.minuteMs, minute: r.minute, currency, saleCount: 0, refundCount: 0, grossMinor: 0, refundMinor: 0, netMinor: 0, itemCount: 0, provisional: false, stores: 0 };
      byMinute.set(r.minuteMs, m);
    }
    m.saleCount += r.saleCount;
    m.refundCount += r.refundCount;
    m.grossMinor += r.grossMinor;
    m.refundMinor += r.refundMinor;
    m.netMinor += r.netMinor;
    m.itemCount += r.itemCount;
    m.stores += 1;
    // The all-stores minute is provisional while any store's part of it is still open.
    m.provisional ||= r.provisional;
  }
  return byMinute;
}

// ---------------------------------------------------------------- websocket

function setStatus(kind, text, title = "") {
  const el = $("#status");
  el.dataset.state = kind;
  el.querySelector(".status-text").textContent = text;
  el.title = title;
}

function connect() {
  clearTimeout(state.reconnectTimer);
  setStatus(state.attempt === 0 ? "connecting" : "reconnecting", state.attempt === 0 ? "Connecting…" : "Reconnecting…");
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/v1/live`;
  let socket;
  try {
    socket = new WebSocket(url);
  } catch {
    scheduleReconnect();
    return;
  }
  state.socket = socket;
  state.haveSnapshot = false;
  state.early = [];
  socket.addEventListener("open", () => socket.send(JSON.stringify({ subscribe: "*" })));
  socket.addEventListener("message", (ev) => {
    if (socket !== state.socket) return;
    let msg;
    try {
      msg = JSON.parse(ev.data);
    } catch {
      return;
    }
    onMessage(msg);
  });
  socket.addEventListener("close", () => {
    if (socket !== state.socket) return;
    state.socket = null;
    scheduleReconnect();
  });
}

function scheduleReconnect() {
  const delay = RECONNECT_DELAYS_MS[Math.min(state.attempt, RECONNECT_DELAYS_MS.length - 1)];
  state.attempt += 1;
  const due = Date.now() + delay;
  const countdown = () => {
    const left = Math.max(0, Math.ceil((due - Date.now()) / 1000));
    setStatus(state.attempt > 3 ? "offline" : "reconnecting", left > 0 ? `Disconnected · retrying in ${left} s` : "Reconnecting…");
  };
  countdown();
  const iv = setInterval(countdown, 250);
  state.reconnectTimer = setTimeout(() => {
    clearInterval(iv);
    connect();
  }, delay);
}

function onMessage(msg) {
  state.lastMessageAt = Date.now();
  if (msg.type === "snapshot") {
    // A fresh snapshot (first connect or after a reconnect) replaces what the page holds.
    state.rows.clear();
    for (const m of msg.minutes ?? []) applyRow(m);
    for (const t of state.early) applyRow(t);
    state.early = [];
    state.haveSnapshot = true;
    state.attempt = 0;
    setStatus("live", "Live", `Subscribed to all stores since ${timeSecFmt.format(new Date())}`);
    refreshStores();
    scheduleRender();
  } else if (msg.type === "tick") {
    if (!state.haveSnapshot) {
      state.early.push(msg);
      return;
    }
    applyRow(msg);
    scheduleRender();
    scheduleStoresRefresh();
  } else if (msg.type === "error") {
    console.warn("live feed:", msg.error);
  }
}

// ---------------------------------------------------------------- REST: stores seen today

let storesTimer = 0;
let storesInFlight = false;
let lastStoresFetch = 0;

async function refreshStores() {
  if (storesInFlight) return;
  storesInFlight = true;
  lastStoresFetch = Date.now();
  try {
    const res = await fetch("/v1/stores", { headers: { accept: "application/json" } });
    if (res.ok) {
      const body = await res.json();
      state.storesToday = Array.isArray(body.stores) ? body.stores : [];
      for (const s of state.storesToday) state.knownStores.add(s.storeId);
      scheduleRender();
    }
  } catch {
    // The websocket status already tells the user when the server is away.
  } finally {
    storesInFlight = false;
  }
}

/** After ticks, refresh today's totals at most every few seconds. */
function scheduleStoresRefresh() {
  if (storesTimer) return;
  const wait = Math.max(1500, 4000 - (Date.now() - lastStoresFetch));
  storesTimer = setTimeout(() => {
    storesTimer = 0;
    refreshStores();
  }, wait);
}

// ---------------------------------------------------------------- rendering

let renderTimer = 0;
function scheduleRender() {
  if (renderTimer) return;
  renderTimer = setTimeout(() => {
    renderTimer = 0;
    render();
  }, 30);
}

function svg(tag, attrs = {}, parent) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (parent) parent.appendChild(el);
  return el;
}

function niceStep(raw) {
  const exp = 10 ** Math.floor(Math.log10(raw));
  const f = raw / exp;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * exp;
}

function yTicks(minV, maxV, currency) {
  const unit = 10 ** minorDigits(currency);
  if (minV === 0 && maxV === 0) maxV = unit;
  const step = Math.max(niceStep((maxV - minV) / 4), unit / 100);
  const lo = Math.floor(minV / step) * step;
  const hi = Math.ceil(maxV / step) * step;
  const ticks = [];
  for (let v = lo; v <= hi + step / 2; v += step) ticks.push(Math.round(v));
  return { lo, hi, ticks };
}

/** Hatch patterns for provisional bars; ids are per chart so two SVGs never clash. */
function defs(root, id) {
  const d = svg("defs", {}, root);
  for (const [name, color] of [["pos", "#4f46e5"], ["neg", "#e11d48"]]) {
    const p = svg("pattern", { id: `hatch-${id}-${name}`, width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" }, d);
    svg("rect", { width: 6, height: 6, fill: color, "fill-opacity": 0.14 }, p);
    svg("rect", { width: 2.5, height: 6, fill: color, "fill-opacity": 0.55 }, p);
  }
}

function renderChart(container, byMinute, range, currency, emptyText) {
  hideTooltip();
  const id = container.id;
  const width = Math.max(320, container.clientWidth || 800);
  const height = Math.max(180, container.clientHeight || 260);
  const pad = { top: 14, right: 8, bottom: 26, left: 72 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const slot = plotW / WINDOW_MINUTES;

  const points = [];
  for (let i = 0; i < WINDOW_MINUTES; i++) {
    const m = byMinute.get(range.start + i * MINUTE_MS);
    if (m) points.push({ i, m });
  }
  let minV = 0;
  let maxV = 0;
  for (const { m } of points) {
    minV = Math.min(minV, m.netMinor);
    maxV = Math.max(maxV, m.netMinor);
  }
  const { lo, hi, ticks } = yTicks(minV, maxV, currency || "XXX");
  const y = (v) => pad.top + plotH - ((v - lo) / (hi - lo)) * plotH;

  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": `Net sales per minute${currency ? ` in ${currency}` : ""}` });
  defs(root, id);

  // Current minute column.
  const nowIdx = Math.round((minuteFloor(Date.now()) - range.start) / MINUTE_MS);
  if (nowIdx >= 0 && nowIdx < WINDOW_MINUTES) svg("rect", { class: "now-col", x: pad.left + nowIdx * slot, y: pad.top, width: slot, height: plotH, rx: 4 }, root);

  // Y grid and labels.
  for (const t of ticks) {
    const yy = Math.round(y(t)) + 0.5;
    svg("line", { class: t === 0 ? "zeroline" : "gridline", x1: pad.left, x2: width - pad.right, y1: yy, y2: yy }, root);
    const label = svg("text", { x: pad.left - 8, y: yy + 4, "text-anchor": "end" }, root);
    label.textContent = currency ? formatMoney(t, currency, true) : "";
  }

  // X labels: as many as fit.
  const every = Math.max(1, Math.ceil(48 / slot));
  for (let i = WINDOW_MINUTES - 1; i >= 0; i -= every) {
    const minuteMs = range.start + i * MINUTE_MS;
    const isNow = i === nowIdx;
    const label = svg("text", { x: pad.left + (i + 0.5) * slot, y: height - 8, "text-anchor": "middle", class: isNow ? "now-label" : "" }, root);
    label.textContent = isNow ? "now" : timeFmt.format(new Date(minuteMs));
  }

  // Bars.
  const bars = svg("g", { class: "bars" }, root);
  const barW = Math.max(2, Math.min(slot * 0.68, 48));
  for (const { i, m } of points) {
    const neg = m.netMinor < 0;
    const y0 = y(0);
    const y1 = y(m.netMinor);
    let top = Math.min(y0, y1);
    let h = Math.abs(y1 - y0);
    const minH = m.provisional ? 4 : 2;
    if (h < minH) {
      h = minH;
      if (!neg) top = y0 - minH;
    }
    const kind = neg ? "neg" : "pos";
    const color = neg ? "#e11d48" : "#4f46e5";
    const rect = svg("rect", {
      class: `bar ${m.provisional ? "provisional" : "final"}${neg ? " negative" : ""}`,
      x: (pad.left + (i + 0.5) * slot - barW / 2).toFixed(2),
      y: top.toFixed(2),
      width: barW.toFixed(2),
      height: h.toFixed(2),
      rx: Math.min(3, barW / 4),
      fill: m.provisional ? `url(#hatch-${id}-${kind})` : color,
      stroke: m.provisional ? color : "none",
      "stroke-width": m.provisional ? 1 : 0,
      "stroke-dasharray": m.provisional ? "3 2" : "none",
      "data-minute": m.minute,
      "data-currency": m.currency,
      "data-net-minor": m.netMinor,
      "data-sale-count": m.saleCount,
      "data-refund-count": m.refundCount,
      "data-provisional": m.provisional ? "true" : "false",
      tabindex: 0,
      "aria-label": `${timeFmt.format(new Date(m.minuteMs))}: ${formatMoney(m.netMinor, m.currency)}${m.provisional ? " (provisional)" : ""}`,
    }, bars);
    rect.addEventListener("mouseenter", () => showTooltip(container, rect, m));
    rect.addEventListener("focus", () => showTooltip(container, rect, m));
    rect.addEventListener("mouseleave", hideTooltip);
    rect.addEventListener("blur", hideTooltip);
  }

  container.replaceChildren(root);
  container.dataset.currency = currency;
  if (points.length === 0) {
    const empty = document.createElement("div");
    empty.className = "empty";
    empty.textContent = emptyText;
    container.appendChild(empty);
  }
}

function showTooltip(container, rect, m) {
  const tip = $("#tooltip");
  const rows = [
    ["Net", formatMoney(m.netMinor, m.currency)],
    ["Gross sales", formatMoney(m.grossMinor, m.currency)],
    ["Refunds", formatMoney(m.refundMinor, m.currency)],
    ["Sales · refunds", `${countFmt.format(m.saleCount)} · ${countFmt.format(m.refundCount)}`],
    ["Items sold", countFmt.format(m.itemCount)],
  ];
  const head = document.createElement("div");
  head.className = "t-head";
  const when = document.createElement("span");
  when.textContent = `${timeFmt.format(new Date(m.minuteMs))}–${timeFmt.format(new Date(m.minuteMs + MINUTE_MS))}`;
  const st = document.createElement("span");
  st.className = "t-state";
  st.textContent = m.provisional ? "provisional" : "final";
  head.append(when, st);
  const body = rows.map(([k, v]) => {
    const row = document.createElement("div");
    row.className = "t-row";
    const a = document.createElement("span");
    a.textContent = k;
    const b = document.createElement("b");
    b.textContent = v;
    row.append(a, b);
    return row;
  });
  tip.replaceChildren(head, ...body);
  const r = rect.getBoundingClientRect();
  const left = Math.min(window.innerWidth - 210, Math.max(8, r.left + r.width / 2 - 95));
  tip.style.left = `${left + window.scrollX}px`;
  tip.style.top = `${Math.max(8, r.top + window.scrollY - 10 - tip.offsetHeight)}px`;
  tip.classList.add("show");
  container.dataset.hover = m.minute;
}

function hideTooltip() {
  $("#tooltip")?.classList.remove("show");
}

function fillSelect(select, values, selected, labelOf = (v) => v) {
  const current = [...select.options].map((o) => o.value).join("\n");
  if (current !== values.join("\n")) {
    select.replaceChildren(...values.map((v) => {
      const o = document.createElement("option");
      o.value = v;
      o.textContent = labelOf(v);
      return o;
    }));
  }
  if (values.length === 0) {
    const o = document.createElement("option");
    o.value = "";
    o.textContent = "—";
    select.replaceChildren(o);
  }
  select.value = selected;
}

const byName = (a, b) => a.localeCompare(b, undefined, { numeric: true });

function renderSelectors() {
  chooseCurrency();
  const currencies = [...currenciesInView().keys()].sort();
  if (state.currency && !currencies.includes(state.currency)) currencies.push(state.currency);
  fillSelect($("#currency"), currencies.sort(), state.currency);

  const stores = [...state.knownStores].sort(byName);
  if (!state.store && stores.length) {
    // Default to today's leading store in the chosen currency.
    const ranked = [...stores].sort((a, b) => (todayNet(b, state.currency) ?? -Infinity) - (todayNet(a, state.currency) ?? -Infinity));
    state.store = ranked[0];
  }
  if (state.store && !stores.includes(state.store)) stores.push(state.store);
  fillSelect($("#store"), stores, state.store);
}

function setText(sel, text, neg = false) {
  const el = $(sel);
  el.textContent = text;
  el.classList.toggle("neg", neg);
}

function renderKpis(all, range) {
  const cur = state.currency;
  const nowMinute = minuteFloor(Date.now());
  const current = all.get(nowMinute);
  setText("#kpi-current", current ? formatMoney(current.netMinor, cur) : formatMoney(0, cur), (current?.netMinor ?? 0) < 0);
  $("#kpi-current").dataset.netMinor = String(current?.netMinor ?? 0);
  $("#kpi-current-sub").textContent = current
    ? `${plural(current.saleCount, "sale", "sales")} · ${plural(current.refundCount, "refund", "refunds")} · ${plural(current.stores, "store", "stores")}`
    : "no sales yet this minute";
  const pill = $("#kpi-current-state");
  pill.textContent = current && !current.provisional ? "final" : "provisional";
  pill.classList.toggle("final", !!current && !current.provisional);

  let lastFinal = null;
  let windowNet = 0;
  let windowSales = 0;
  let windowRefunds = 0;
  let windowItems = 0;
  for (const m of all.values()) {
    if (m.minuteMs < range.start || m.minuteMs > range.end) continue;
    windowNet += m.netMinor;
    windowSales += m.saleCount;
    windowRefunds += m.refundCount;
    windowItems += m.itemCount;
    if (!m.provisional && (!lastFinal || m.minuteMs > lastFinal.minuteMs)) lastFinal = m;
  }
  setText("#kpi-last-final", lastFinal ? formatMoney(lastFinal.netMinor, cur) : "—", (lastFinal?.netMinor ?? 0) < 0);
  $("#kpi-last-final-sub").textContent = lastFinal
    ? `${timeFmt.format(new Date(lastFinal.minuteMs))} · ${plural(lastFinal.saleCount, "sale", "sales")}`
    : "no closed minute in view";
  setText("#kpi-window", formatMoney(windowNet, cur), windowNet < 0);
  $("#kpi-window-sub").textContent = `${plural(windowSales, "sale", "sales")} · ${plural(windowRefunds, "refund", "refunds")} · ${plural(windowItems, "item", "items")}`;

  let today = 0;
  let storesWith = 0;
  for (const s of state.storesToday) {
    const v = s.netMinorByCurrency?.[cur];
    if (v !== undefined) {
      today += v;
      storesWith += 1;
    }
  }
  setText("#kpi-today", formatMoney(today, cur), today < 0);
  $("#kpi-today-sub").textContent = `${plural(storesWith, "store", "stores")} selling in ${cur || "—"}`;
}

function renderTopStores(range) {
  const cur = state.currency;
  const windowNet = new Map();
  for (const r of state.rows.values()) {
    if (r.currency !== cur || r.minuteMs < range.start || r.minuteMs > range.end) continue;
    windowNet.set(r.storeId, (windowNet.get(r.storeId) ?? 0) + r.netMinor);
  }
  const entries = [];
  const seen = new Set();
  for (const s of state.storesToday) {
    const v = s.netMinorByCurrency?.[cur];
    if (v === undefined) continue;
    entries.push({ storeId: s.storeId, today: v, recent: windowNet.get(s.storeId) ?? 0 });
    seen.add(s.storeId);
  }
  // Stores seen in ticks since the last /v1/stores refresh: their live minutes are a lower bound.
  for (const [storeId, v] of windowNet) if (!seen.has(storeId)) entries.push({ storeId, today: v, recent: v });
  entries.sort((a, b) => b.today - a.today || byName(a.storeId, b.storeId));
  const top = entries.slice(0, TOP_STORES);
  const max = Math.max(1, ...top.map((e) => e.today));
  $("#top-hint").textContent = `by net sales in ${cur || "—"}`;

  const tbody = $("#top-stores tbody");
  if (top.length === 0) {
    const tr = document.createElement("tr");
    const td = document.createElement("td");
    td.colSpan = 4;
    td.className = "table-empty";
    td.textContent = "No sales today yet";
    tr.appendChild(td);
    tbody.replaceChildren(tr);
    return;
  }
  tbody.replaceChildren(...top.map((e, idx) => {
    const tr = document.createElement("tr");
    tr.dataset.storeId = e.storeId;
    tr.dataset.netMinor = String(e.today);
    if (e.storeId === state.store) tr.classList.add("selected");
    const rank = document.createElement("td");
    rank.className = "rank num";
    rank.textContent = String(idx + 1);
    const name = document.createElement("td");
    const nm = document.createElement("div");
    nm.className = "store-name";
    nm.textContent = e.storeId;
    const meter = document.createElement("div");
    meter.className = "meter";
    const fill = document.createElement("span");
    fill.style.width = `${Math.max(0, (e.today / max) * 100).toFixed(1)}%`;
    meter.appendChild(fill);
    name.append(nm, meter);
    const today = document.createElement("td");
    today.className = `r num${e.today < 0 ? " neg" : ""}`;
    today.textContent = formatMoney(e.today, cur);
    const recent = document.createElement("td");
    recent.className = `r num${e.recent < 0 ? " neg" : ""}`;
    recent.textContent = formatMoney(e.recent, cur);
    tr.append(rank, name, today, recent);
    tr.addEventListener("click", () => selectStore(e.storeId));
    return tr;
  }));
}

function renderCurrencies() {
  const totals = new Map();
  for (const s of state.storesToday) {
    for (const [c, v] of Object.entries(s.netMinorByCurrency ?? {})) {
      const t = totals.get(c) ?? { net: 0, stores: 0 };
      t.net += v;
      t.stores += 1;
      totals.set(c, t);
    }
  }
  const tbody = $("#currencies tbody");
  if (totals.size === 0) {
    const tr = document.createElement("tr");
    const td = document.createElement("td");
    td.colSpan = 3;
    td.className = "table-empty";
    td.textContent = "No sales today yet";
    tr.appendChild(td);
    tbody.replaceChildren(tr);
    return;
  }
  tbody.replaceChildren(...[...totals].sort((a, b) => b[1].stores - a[1].stores || (a[0] < b[0] ? -1 : 1)).map(([c, t]) => {
    const tr = document.createElement("tr");
    tr.dataset.currency = c;
    if (c === state.currency) tr.classList.add("selected");
    const a = document.createElement("td");
    a.className = "store-name";
    a.textContent = c;
    const b = document.createElement("td");
    b.className = "r num";
    b.textContent = countFmt.format(t.stores);
    const d = document.createElement("td");
    d.className = `r num${t.net < 0 ? " neg" : ""}`;
    d.textContent = formatMoney(t.net, c);
    tr.append(a, b, d);
    tr.addEventListener("click", () => {
      state.currency = c;
      state.currencyChosen = true;
      render();
    });
    return tr;
  }));
}

let lastRenderedMinute = 0;
function render() {
  prune();
  renderSelectors();
  const range = windowRange();
  lastRenderedMinute = minuteFloor(Date.now());
  const cur = state.currency;
  const all = series(cur, null);
  const waiting = state.haveSnapshot ? `No sales in ${cur || "any currency"} in the last ${WINDOW_MINUTES} minutes` : "Waiting for the live feed…";
  renderChart($("#chart-all"), all, range, cur, waiting);
  const store = state.store;
  $("#store-title").textContent = store || "—";
  $("#chart-store").dataset.storeId = store;
  renderChart($("#chart-store"), store ? series(cur, store) : new Map(), range, cur,
    store ? `No sales at ${store} in ${cur || "any currency"} in the last ${WINDOW_MINUTES} minutes` : "Choose a store");
  renderKpis(all, range);
  renderTopStores(range);
  renderCurrencies();
}

function selectStore(storeId) {
  state.store = storeId;
  state.storeChosen = true;
  render();
}

// ---------------------------------------------------------------- wiring

function init() {
  for (const el of document.querySelectorAll(".window-minutes")) el.textContent = String(WINDOW_MINUTES);
  $("#currency").addEventListener("change", (e) => {
    state.currency = e.target.value;
    state.currencyChosen = true;
    render();
  });
  $("#store").addEventListener("change", (e) => selectStore(e.target.value));
  // Slide the window when the minute turns; redraw on resize.
  setInterval(() => {
    if (minuteFloor(Date.now()) !== lastRenderedMinute) render();
  }, 1000);
  setInterval(refreshStores, STORES_REFRESH_MS);
  if (typeof ResizeObserver === "function") {
    let w = 0;
    new ResizeObserver((entries) => {
      const nw = Math.round(entries[0].contentRect.width);
      if (nw !== w) {
        w = nw;
        scheduleRender();
      }
    }).observe($("#chart-all"));
  }
  render();
  refreshStores();
  connect();
}

init();
