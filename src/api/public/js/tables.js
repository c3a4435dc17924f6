// The selectors, the KPI cards and the tables (top stores today, currencies today).
import { countFmt, formatMoney, minuteFloor, plural, timeFmt } from "./format.js";
import { chooseCurrency, currenciesInView, state, todayNet } from "./state.js";

const TOP_STORES = 8;

const $ = (sel) => document.querySelector(sel);

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

export function renderSelectors() {
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

export function renderKpis(all, range) {
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

export function renderTopStores(range, selectStore) {
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

  fillTable($("#top-stores tbody"), 4, top, (e, idx) => {
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
    const tr = selectableRow({ storeId: e.storeId, netMinor: String(e.today) }, e.storeId === state.store, () => selectStore(e.storeId));
    tr.append(cell("rank num", String(idx + 1)), name, moneyCell(e.today, cur), moneyCell(e.recent, cur));
    return tr;
  });
}

export function renderCurrencies(selectCurrency) {
  const totals = new Map();
  for (const s of state.storesToday) {
    for (const [c, v] of Object.entries(s.netMinorByCurrency ?? {})) {
      const t = totals.get(c) ?? { net: 0, stores: 0 };
      t.net += v;
      t.stores += 1;
      totals.set(c, t);
    }
  }
  const rows = [...totals].sort((a, b) => b[1].stores - a[1].stores || (a[0] < b[0] ? -1 : 1));
  fillTable($("#currencies tbody"), 3, rows, ([c, t]) => {
    const tr = selectableRow({ currency: c }, c === state.currency, () => selectCurrency(c));
    tr.append(cell("store-name", c), cell("r num", countFmt.format(t.stores)), moneyCell(t.net, c));
    return tr;
  });
}

function cell(className, text) {
  const td = document.createElement("td");
  td.className = className;
  td.textContent = text;
  return td;
}

const moneyCell = (minor, currency) => cell(`r num${minor < 0 ? " neg" : ""}`, formatMoney(minor, currency));

function selectableRow(data, selected, onClick) {
  const tr = document.createElement("tr");
  Object.assign(tr.dataset, data);
  if (selected) tr.classList.add("selected");
  tr.addEventListener("click", onClick);
  return tr;
}

/** One row per item, or a single "No sales today yet" row spanning the table's columns. */
function fillTable(tbody, columns, items, rowOf) {
  if (items.length === 0) {
    const td = cell("table-empty", "No sales today yet");
    td.colSpan = columns;
    const tr = document.createElement("tr");
    tr.appendChild(td);
    tbody.replaceChildren(tr);
    return;
  }
  tbody.replaceChildren(...items.map(rowOf));
}
