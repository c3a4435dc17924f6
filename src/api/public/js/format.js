// Money and time formatting for the live page. Money stays integer minor units; the division
// happens only to display it.

export const MINUTE_MS = 60_000;

// ISO 4217 minor-unit digits where they differ from the common 2.
const MINOR_DIGITS = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0,
  VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
};


export function minorDigits(currency) {
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
export function formatMoney(minor, currency, compact = false) {
  if (!currency) return "—";
  return formatter(currency, compact).format(minor / 10 ** minorDigits(currency));
}

export const timeFmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", hour12: false });
export const timeSecFmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
export const countFmt = new Intl.NumberFormat();
export const plural = (n, one, many) => `${countFmt.format(n)} ${n === 1 ? one : many}`;

export const minuteFloor = (ms) => Math.floor(ms / MINUTE_MS) * MINUTE_MS;
