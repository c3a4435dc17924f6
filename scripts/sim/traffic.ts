/**
 * Realistic point-of-sale traffic: stores with a home currency and a SKU catalogue, sales with
 * plausible baskets, ~5% refunds, some events out of order (seconds back) and some late (minutes
 * back), retries of already-sent events (same eventId), optional invalid events. Deterministic for a seed.
 */

/** mulberry32: small, fast, seedable. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HEX = "0123456789abcdef";

/** A version-4 UUID from the seeded generator (so a seed replays the same event ids). */
export function uuidFrom(rand: () => number): string {
  let s = "";
  for (let i = 0; i < 36; i++) {
    if (i === 8 || i === 13 || i === 18 || i === 23) s += "-";
    else if (i === 14) s += "4";
    else if (i === 19) s += HEX[8 + Math.floor(rand() * 4)];
    else s += HEX[Math.floor(rand() * 16)];
  }
  return s;
}

interface CurrencySpec {
  code: string;
  /** Weight among stores. */
  weight: number;
  /** Minor units per major unit (JPY has none). */
  minorPerMajor: number;
  /** Typical item price range in major units. */
  price: [number, number];
}

export const CURRENCIES: CurrencySpec[] = [
  { code: "EUR", weight: 40, minorPerMajor: 100, price: [0.5, 120] },
  { code: "USD", weight: 25, minorPerMajor: 100, price: [0.5, 130] },
  { code: "GBP", weight: 15, minorPerMajor: 100, price: [0.5, 100] },
  { code: "JPY", weight: 8, minorPerMajor: 1, price: [80, 15000] },
  { code: "CHF", weight: 5, minorPerMajor: 100, price: [0.5, 130] },
  { code: "SEK", weight: 4, minorPerMajor: 100, price: [5, 1200] },
  { code: "PLN", weight: 3, minorPerMajor: 100, price: [2, 500] },
];

interface Sku {
  sku: string;
  unitPriceMinor: number;
}

export interface Store {
  storeId: string;
  currency: string;
  catalogue: Sku[];
  /** Relative traffic: some stores are busier than others. */
  weight: number;
}

export interface TrafficMix {
  /** Fraction of events that are refunds. */
  refunds: number;
  /** Fraction sent a few seconds after they occurred (out of order relative to newer ones). */
  outOfOrder: number;
  /** Fraction sent minutes after they occurred (some beyond the allowed lateness). */
  late: number;
  /** Fraction of sends that are a retry of an event already sent (same eventId, same body). */
  duplicates: number;
  /** Fraction of events that are invalid on purpose (the server must reject them with 400). */
  invalid: number;
}

export const DEFAULT_MIX: TrafficMix = { refunds: 0.05, outOfOrder: 0.08, late: 0.01, duplicates: 0.02, invalid: 0 };

function pickWeighted<T extends { weight: number }>(items: readonly T[], r: number): T {
  const total = items.reduce((s, i) => s + i.weight, 0);
  let x = r * total;
  for (const i of items) {
    x -= i.weight;
    if (x < 0) return i;
  }
  return items[items.length - 1]!;
}

function roundPrice(minor: number, minorPerMajor: number): number {
  // Shelf prices: x.99, x.49, x.00 in decimal currencies; whole tens in JPY.
  if (minorPerMajor === 1) return Math.max(10, Math.round(minor / 10) * 10);
  const major = Math.floor(minor / 100);
  const endings = [99, 49, 0, 95];
  return Math.max(1, major * 100 + endings[minor % endings.length]!);
}

/**
 * Stores are the same for every seed (store-007 always has the same currency and catalogue), so
 * repeated runs against one server keep each store in its home currency; the seed varies the events.
 */
export function makeStores(count: number): Store[] {
  const width = String(count).length < 3 ? 3 : String(count).length;
  const stores: Store[] = [];
  for (let i = 1; i <= count; i++) {
    const rand = rng(0x5eed ^ Math.imul(i, 0x9e3779b1));
    const cur = pickWeighted(CURRENCIES, rand());
    const [lo, hi] = cur.price;
    const catalogue: Sku[] = [];
    const skus = 50 + Math.floor(rand() * 150);
    for (let k = 0; k < skus; k++) {
      // Log-uniform prices: many cheap items, few expensive ones.
      const major = lo * Math.pow(hi / lo, Math.pow(rand(), 1.6));
      catalogue.push({ sku: `SKU-${String(1000 + k)}`, unitPriceMinor: roundPrice(Math.round(major * cur.minorPerMajor), cur.minorPerMajor) });
    }
    stores.push({ storeId: `store-${String(i).padStart(width, "0")}`, currency: cur.code, catalogue, weight: 0.3 + rand() * 2 });
  }
  return stores;
}

export type EventKind = "sale" | "refund" | "invalid";

export interface GeneratedEvent {
  eventId: string;
  /** The exact JSON sent (a retry sends the same string again). */
  json: string;
  kind: EventKind;
  /** Seconds between occurredAt and the send, 0 for on-time events. */
  delaySeconds: number;
  duplicate: boolean;
}

export class TrafficGenerator {
  private readonly recent: GeneratedEvent[] = [];
  private recentNext = 0;
  readonly counts = { sale: 0, refund: 0, invalid: 0, outOfOrder: 0, late: 0, duplicate: 0 };

  constructor(
    private readonly stores: readonly Store[],
    private readonly mix: TrafficMix,
    private readonly rand: () => number,
    private readonly now: () => number = Date.now,
  ) {}

  next(): GeneratedEvent {
    const r = this.rand;
    if (this.recent.length > 0 && r() < this.mix.duplicates) {
      // A POS retrying after a timeout: the same event, byte for byte.
      const again = this.recent[Math.floor(r() * this.recent.length)]!;
      this.counts.duplicate++;
      return { ...again, duplicate: true };
    }
    const store = pickWeighted(this.stores, r());
    let delaySeconds = 0;
    const d = r();
    if (d < this.mix.late) {
      delaySeconds = 60 + Math.floor(r() * 14 * 60); // 1–15 minutes back: some within, some beyond the allowed lateness
      this.counts.late++;
    } else if (d < this.mix.late + this.mix.outOfOrder) {
      delaySeconds = 1 + r() * 8; // a few seconds back: arrives after newer events
      this.counts.outOfOrder++;
    }
    const occurredAt = new Date(this.now() - Math.round(delaySeconds * 1000)).toISOString();
    const eventId = uuidFrom(r);
    const refund = r() < this.mix.refunds;
    const lines: { sku: string; quantity: number; unitPriceMinor: number }[] = [];
    // Basket size: geometric, mean ≈ 3 lines; refunds usually one line.
    const nLines = refund ? 1 + (r() < 0.2 ? 1 : 0) : Math.min(12, 1 + Math.floor(-Math.log(1 - r()) * 2.2));
    const used = new Set<number>();
    for (let i = 0; i < nLines; i++) {
      let k = Math.floor(r() * store.catalogue.length);
      while (used.has(k)) k = (k + 1) % store.catalogue.length;
      used.add(k);
      const q = r();
      lines.push({ ...store.catalogue[k]!, quantity: q < 0.75 ? 1 : q < 0.93 ? 2 : 3 + Math.floor(r() * 4) });
    }
    const body: Record<string, unknown> = { eventId, storeId: store.storeId, occurredAt, type: refund ? "refund" : "sale", currency: store.currency, lines };
    if (r() < 0.7) body.totalMinor = lines.reduce((s, l) => s + l.quantity * l.unitPriceMinor, 0);
    let kind: EventKind = refund ? "refund" : "sale";
    if (this.mix.invalid > 0 && r() < this.mix.invalid) {
      kind = "invalid";
      const how = Math.floor(r() * 3);
      if (how === 0) lines[0]!.quantity = 0;
      else if (how === 1) body.currency = "XYZ";
      else body.totalMinor = Number(body.totalMinor ?? 0) + 1 + Math.floor(r() * 100);
    }
    this.counts[kind]++;
    const ev: GeneratedEvent = { eventId, json: JSON.stringify(body), kind, delaySeconds, duplicate: false };
    if (kind !== "invalid") this.remember(ev);
    return ev;
  }

  private remember(ev: GeneratedEvent): void {
    if (this.recent.length < 2000) this.recent.push(ev);
    else {
      this.recent[this.recentNext] = ev;
      this.recentNext = (this.recentNext + 1) % this.recent.length;
    }
  }
}
