// The live page's data sources: one websocket to /v1/live subscribed to "*" (a snapshot, then
// store ticks and all-stores updates), reconnecting with backoff; GET /v1/stores for today's totals.
import { timeSecFmt } from "./format.js";
import { applyAllStores, applyRow, state } from "./state.js";

const RECONNECT_DELAYS_MS = [500, 1000, 2000, 4000, 8000, 10000];
/** When the server requires read keys: open the page as /?access_token=<key>. */
const READ_KEY = new URLSearchParams(location.search).get("access_token") || "";

const $ = (sel) => document.querySelector(sel);

/** Called whenever the state changed and the page should redraw (set by the page). */
let scheduleRender = () => {};
export function onStateChange(fn) {
  scheduleRender = fn;
}

/** Updates after the snapshot, by message type; ones that arrive before it wait for it. */
const UPDATES = {
  tick: (msg) => {
    applyRow(msg);
    scheduleStoresRefresh();
  },
  allStores: (msg) => {
    for (const m of msg.minutes ?? []) applyAllStores(m);
  },
};

function setStatus(kind, text, title = "") {
  const el = $("#status");
  el.dataset.state = kind;
  el.querySelector(".status-text").textContent = text;
  el.title = title;
}

export function connect() {
  clearTimeout(state.reconnectTimer);
  setStatus(state.attempt === 0 ? "connecting" : "reconnecting", state.attempt === 0 ? "Connecting…" : "Reconnecting…");
  const query = READ_KEY ? `?access_token=${encodeURIComponent(READ_KEY)}` : "";
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/v1/live${query}`;
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
    state.allStores.clear();
    for (const m of msg.minutes ?? []) applyRow(m);
    for (const m of msg.allStores ?? []) applyAllStores(m);
    for (const early of state.early) UPDATES[early.type](early);
    state.early = [];
    state.haveSnapshot = true;
    state.attempt = 0;
    setStatus("live", "Live", `Subscribed to all stores since ${timeSecFmt.format(new Date())}`);
    refreshStores();
    scheduleRender();
  } else if (Object.hasOwn(UPDATES, msg.type)) {
    if (!state.haveSnapshot) {
      state.early.push(msg);
      return;
    }
    UPDATES[msg.type](msg);
    scheduleRender();
  } else if (msg.type === "error") {
    console.warn("live feed:", msg.error);
  }
}

// REST: stores seen today

let storesTimer = 0;
let storesInFlight = false;
let lastStoresFetch = 0;

export async function refreshStores() {
  if (storesInFlight) return;
  storesInFlight = true;
  lastStoresFetch = Date.now();
  try {
    const headers = { accept: "application/json", ...(READ_KEY ? { authorization: `Bearer ${READ_KEY}` } : {}) };
    const res = await fetch("/v1/stores", { headers });
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
