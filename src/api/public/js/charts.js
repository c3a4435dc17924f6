// Bar charts of net sales per minute, drawn as SVG: final minutes solid, provisional ones hatched.
// Each bar carries its data (data-minute, data-net-minor, data-provisional, ...) for tooltips and tests.
import { MINUTE_MS, countFmt, formatMoney, minorDigits, minuteFloor, timeFmt } from "./format.js";
import { WINDOW_MINUTES } from "./state.js";

const SVG_NS = "http://www.w3.org/2000/svg";

const $ = (sel) => document.querySelector(sel);

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

function yGridLines(minV, maxV, currency) {
  const unit = 10 ** minorDigits(currency);
  if (minV === 0 && maxV === 0) maxV = unit;
  const step = Math.max(niceStep((maxV - minV) / 4), unit / 100);
  const lo = Math.floor(minV / step) * step;
  const hi = Math.ceil(maxV / step) * step;
  const lines = [];
  for (let v = lo; v <= hi + step / 2; v += step) lines.push(Math.round(v));
  return { lo, hi, lines };
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

export function renderChart(container, byMinute, range, currency, emptyText) {
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
  const { lo, hi, lines } = yGridLines(minV, maxV, currency || "XXX");
  const y = (v) => pad.top + plotH - ((v - lo) / (hi - lo)) * plotH;

  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": `Net sales per minute${currency ? ` in ${currency}` : ""}` });
  defs(root, id);

  // Current minute column.
  const nowIdx = Math.round((minuteFloor(Date.now()) - range.start) / MINUTE_MS);
  if (nowIdx >= 0 && nowIdx < WINDOW_MINUTES) svg("rect", { class: "now-col", x: pad.left + nowIdx * slot, y: pad.top, width: slot, height: plotH, rx: 4 }, root);

  // Y grid and labels.
  for (const t of lines) {
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

export function hideTooltip() {
  $("#tooltip")?.classList.remove("show");
}
