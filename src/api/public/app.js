// Intraday Sales live page. Plain browser ES modules, no framework, no build step:
//   js/state.js   what the page knows (store rows, all-stores totals, today's stores)
//   js/feed.js    the websocket feed and the REST refresh of today's stores
//   js/charts.js  the two bar charts
//   js/tables.js  selectors, KPI cards, top stores and currencies
// The all-stores chart shows the server's all-stores totals (summed from its per-partition
// aggregates); the store chart shows one store's ticks. Currencies are never added together.
import { minuteFloor } from "./js/format.js";
import { connect, onStateChange, refreshStores } from "./js/feed.js";
import { renderChart } from "./js/charts.js";
import { allStoresSeries, prune, state, storeSeries, windowRange, WINDOW_MINUTES } from "./js/state.js";
import { renderCurrencies, renderKpis, renderSelectors, renderTopStores } from "./js/tables.js";

const STORES_REFRESH_MS = 15_000;

const $ = (sel) => document.querySelector(sel);

let renderTimer = 0;
function scheduleRender() {
  if (renderTimer) return;
  renderTimer = setTimeout(() => {
    renderTimer = 0;
    render();
  }, 30);
}

let lastRenderedMinute = 0;
function render() {
  prune();
  renderSelectors();
  const range = windowRange();
  lastRenderedMinute = minuteFloor(Date.now());
  const cur = state.currency;
  const all = allStoresSeries(cur);
  const waiting = state.haveSnapshot ? `No sales in ${cur || "any currency"} in the last ${WINDOW_MINUTES} minutes` : "Waiting for the live feed…";
  renderChart($("#chart-all"), all, range, cur, waiting);
  const store = state.store;
  $("#store-title").textContent = store || "—";
  $("#chart-store").dataset.storeId = store;
  renderChart($("#chart-store"), store ? storeSeries(cur, store) : new Map(), range, cur,
    store ? `No sales at ${store} in ${cur || "any currency"} in the last ${WINDOW_MINUTES} minutes` : "Choose a store");
  renderKpis(all, range);
  renderTopStores(range, selectStore);
  renderCurrencies(selectCurrency);
}

function selectStore(storeId) {
  state.store = storeId;
  state.storeChosen = true;
  render();
}

function selectCurrency(currency) {
  state.currency = currency;
  state.currencyChosen = true;
  render();
}

function init() {
  for (const el of document.querySelectorAll(".window-minutes")) el.textContent = String(WINDOW_MINUTES);
  $("#currency").addEventListener("change", (e) => selectCurrency(e.target.value));
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
  onStateChange(scheduleRender);
  render();
  refreshStores();
  connect();
}

init();
