import type { StoreInfo } from "../../src/projections/analytics/store-directory.ts";

// Where a simulated store is, from its home currency: gives dashboards regions and local business days.
const PLACES: Record<string, { region: string; timeZone: string; city: string }> = {
  EUR: { region: "Europe (euro)", timeZone: "Europe/Paris", city: "Paris" },
  USD: { region: "North America", timeZone: "America/New_York", city: "New York" },
  GBP: { region: "United Kingdom", timeZone: "Europe/London", city: "London" },
  JPY: { region: "Japan", timeZone: "Asia/Tokyo", city: "Tokyo" },
  CHF: { region: "Switzerland", timeZone: "Europe/Zurich", city: "Zurich" },
  SEK: { region: "Nordics", timeZone: "Europe/Stockholm", city: "Stockholm" },
  PLN: { region: "Central Europe", timeZone: "Europe/Warsaw", city: "Warsaw" },
};

/** The store directory entries of simulated stores (name, region, IANA zone by home currency). */
export function simulatedStoreInfo(stores: readonly { storeId: string; currency: string }[]): StoreInfo[] {
  return stores.map((s) => {
    const place = PLACES[s.currency] ?? { region: "Elsewhere", timeZone: "UTC", city: "Store" };
    return { storeId: s.storeId, name: `${place.city} ${s.storeId.replace(/^store-/, "#")}`, region: place.region, timeZone: place.timeZone };
  });
}
