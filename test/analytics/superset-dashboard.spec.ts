import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MINUTE_MS } from "../../src/domain/time.ts";
import type { Page } from "playwright-core";
import { launchChromium } from "../support/browser.ts";
import { isolatedEnv, startClusterApp } from "../cluster/support.ts";
import { SUPERSET_PASSWORD, SUPERSET_URL, SUPERSET_USER, SupersetClient, type DashboardChart } from "./superset-client.ts";
import { waitFor } from "./wait-for.ts";

/**
 * The Superset dashboard against the real pipeline: known events (refunds, a correction within
 * the allowed lateness, duplicates, events beyond it) go through POST /v1/sales; every chart's data
 * from Superset's chart-data API must equal what the REST API serves for the same filters, to the
 * cent. Superset reads the default PostgreSQL database, so this run's stores carry a unique prefix
 * and every Superset query is filtered to them (as the dashboard's store filter does).
 */

/** A tracked file changes only when asked: INTRADAY_UPDATE_SCREENSHOTS=1 refreshes the one in docs/. */
const SCREENSHOT = process.env.INTRADAY_UPDATE_SCREENSHOTS === "1" ? "docs/superset-dashboard.png" : "test-output/superset-dashboard.png";

const run = randomUUID().slice(0, 6);
const PARIS = `ss-${run}-paris`;
const TOKYO = `ss-${run}-tokyo`;
const UNREGISTERED = `ss-${run}-x`;
const STORES = [PARIS, TOKYO, UNREGISTERED];
const EXPONENT: Record<string, number> = { EUR: 2, USD: 2, JPY: 0 };
/** Superset's amount (major units, a JSON number) back to exact minor units with the currency's exponent. */
const toMinor = (amount: unknown, currency: string) => Math.round(Number(amount) * 10 ** EXPONENT[currency]!);
const iso = (ms: number) => new Date(ms).toISOString();
const supersetTime = (ms: number) => iso(ms).slice(0, 19);

let t0 = 0;
const event = (storeId: string, minute: number, second: number, type: "sale" | "refund", currency: string, totalMinor: number, eventId = randomUUID()) => ({
  eventId,
  storeId,
  occurredAt: iso(minute + second * 1000),
  type,
  currency,
  lines: [{ sku: "sku-1", quantity: 1, unitPriceMinor: totalMinor }],
  totalMinor,
});

describe("Superset dashboard on the real pipeline", () => {
  let url = "";
  let stop: () => Promise<void> = async () => {};
  let superset: SupersetClient;
  let charts: DashboardChart[];
  let from = 0;
  let to = 0;
  const pgUrl = "postgres://intraday:intraday@127.0.0.1:5432/intraday";

  const post = async (body: unknown) => {
    const r = await fetch(`${url}/v1/sales`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    expect(r.status).toBe(202);
    return (await r.json()) as { accepted: number; duplicates: number };
  };
  const get = async <T>(path: string): Promise<T> => {
    const r = await fetch(`${url}${path}`);
    expect(r.status, path).toBe(200);
    return (await r.json()) as T;
  };

  beforeAll(async () => {
    const { env, drop } = await isolatedEnv(3);
    await drop(); // its own topic, group and keyspace, but the PostgreSQL database Superset reads
    env.PG_URL = process.env.INTRADAY_PG_URL ?? pgUrl;
    // Lateness far wider than the test takes, so the correction of m1 stays within it however slow the machine.
    env.ALLOWED_LATENESS_MS = "600000";
    const app = await startClusterApp(env, { listen: true });
    url = app.url;
    stop = () => app.runtime.stop();
    superset = await SupersetClient.login();
    charts = await superset.dashboardCharts("intraday-sales");

    t0 = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
    const m1 = t0 - 2 * MINUTE_MS;
    const m2 = t0 - MINUTE_MS;
    const tooLate = t0 - 15 * MINUTE_MS;
    from = t0 - 20 * MINUTE_MS;
    to = t0;
    for (const [storeId, name, region, timeZone] of [
      [PARIS, "Paris Opéra", "Europe (euro)", "Europe/Paris"],
      [TOKYO, "Tokyo Ginza", "Japan", "Asia/Tokyo"],
    ] as const) {
      const r = await fetch(`${url}/v1/stores/${storeId}`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ name, region, timeZone }) });
      expect(r.status).toBe(200);
    }
    const dup = event(PARIS, m1, 10, "sale", "EUR", 1999);
    await post([
      dup,
      event(PARIS, m1, 20, "sale", "EUR", 501),
      event(PARIS, m1, 30, "refund", "EUR", 250),
      event(PARIS, m2, 5, "sale", "EUR", 12_345),
      event(TOKYO, m1, 15, "sale", "JPY", 1500),
      event(TOKYO, m2, 45, "sale", "JPY", 980),
      event(TOKYO, m2, 50, "refund", "JPY", 300),
      event(UNREGISTERED, m1, 1, "sale", "EUR", 777),
      event(UNREGISTERED, m2, 2, "sale", "USD", 4_321),
    ]);
    expect(await post(dup)).toEqual({ accepted: 0, duplicates: 1 });
    // both minutes closed and written final
    await waitFor("the first minutes written final", async () => {
      const { minutes } = await get<{ minutes: { minute: string; provisional: boolean }[] }>(`/v1/minutes?from=${iso(from)}&to=${iso(to)}`);
      return minutes.length >= 4 && minutes.every((m) => !m.provisional) ? true : undefined;
    });
    // within the allowed lateness: corrects the closed minute m1; beyond it: recorded as late
    await post([event(PARIS, m1, 50, "sale", "EUR", 1001), event(TOKYO, m1, 55, "refund", "JPY", 200), event(UNREGISTERED, tooLate, 3, "sale", "EUR", 9999)]);
    await waitFor("the correction and the late event", async () => {
      const { lateEvents } = await get<{ lateEvents: unknown[] }>(`/v1/late-events?from=${iso(from)}&to=${iso(to)}&storeId=${UNREGISTERED}`);
      const { stores } = await get<{ stores: { storeId: string; saleCount: number }[] }>(`/v1/top-stores?from=${iso(from)}&to=${iso(to)}&currency=EUR&limit=10`);
      return lateEvents.length === 1 && stores.find((s) => s.storeId === PARIS)?.saleCount === 4 ? true : undefined;
    });

    // The hourly and daily rollups are filled by the Airflow `rollups` DAG; here the same sums are
    // written for this run's stores so the rollup charts have data to compare.
    const db = new pg.Client({ connectionString: env.PG_URL });
    await db.connect();
    try {
      await waitFor("minute_totals to hold this run's corrected rows", async () => {
        const r = await db.query<{ n: number }>("SELECT coalesce(sum(sale_count), 0)::int AS n FROM minute_totals WHERE store_id = ANY($1)", [STORES]);
        return r.rows[0]!.n === 8 ? true : undefined;
      });
      const sums = "sum(sale_count), sum(refund_count), sum(gross_minor), sum(refund_minor), sum(net_minor), sum(item_count)";
      await db.query(
        `INSERT INTO sales_hourly (store_id, hour, currency, sale_count, refund_count, gross_minor, refund_minor, net_minor, item_count)
         SELECT store_id, date_trunc('hour', minute), currency, ${sums} FROM minute_totals WHERE store_id = ANY($1) GROUP BY 1, 2, 3`,
        [STORES],
      );
      await db.query(
        `INSERT INTO sales_daily (store_id, day, time_zone, currency, sale_count, refund_count, gross_minor, refund_minor, net_minor, item_count)
         SELECT m.store_id, (m.minute AT TIME ZONE coalesce(s.time_zone, 'UTC'))::date, coalesce(s.time_zone, 'UTC'), m.currency, ${sums.replace(/sum\(/g, "sum(m.")}
           FROM minute_totals m LEFT JOIN stores s USING (store_id) WHERE m.store_id = ANY($1) GROUP BY 1, 2, 3, 4`,
        [STORES],
      );
    } finally {
      await db.end();
    }
  }, 240_000);

  afterAll(async () => {
    await stop();
  });

  const only = { col: "store_id", op: "IN" as const, val: STORES };
  const chart = (fragment: string) => {
    const c = charts.find((x) => x.name.includes(fragment));
    if (!c) throw new Error(`no chart named like "${fragment}" on the dashboard (have: ${charts.map((x) => x.name).join("; ")})`);
    return c;
  };
  const range = () => `${supersetTime(from)} : ${supersetTime(to)}`;

  it("is the dashboard the bundle describes: six charts, 10 s refresh, store/region/currency filters", async () => {
    expect(charts).toHaveLength(6);
    const meta = await superset.dashboard("intraday-sales");
    expect(meta.refresh_frequency).toBe(10);
    expect(meta.native_filter_configuration?.map((f) => f.name)).toEqual(expect.arrayContaining(["Store", "Region", "Currency"]));
  });

  it("net sales per minute and currency equal GET /v1/minutes for the same stores, to the cent", async () => {
    type Api = { minutes: { minute: string; currency: string; netMinor: number; provisional: boolean }[] };
    const byMinute = new Map<string, number>();
    for (const s of STORES) {
      for (const m of (await get<Api>(`/v1/stores/${s}/minutes?from=${iso(from)}&to=${iso(to)}`)).minutes) {
        const k = `${Date.parse(m.minute)}|${m.currency}`;
        byMinute.set(k, (byMinute.get(k) ?? 0) + m.netMinor);
      }
    }
    const all = (await get<Api>(`/v1/minutes?from=${iso(from)}&to=${iso(to)}`)).minutes;
    expect(new Map(all.map((m) => [`${Date.parse(m.minute)}|${m.currency}`, m.netMinor]))).toEqual(byMinute);
    const readSuperset = async () => {
      const got = new Map<string, number>();
      for (const r of await superset.chartData(chart("Net sales per minute"), [only], range())) {
        expect(r.status).toBe("final");
        const k = `${r.minute as number}|${r.currency as string}`;
        got.set(k, (got.get(k) ?? 0) + toMinor(r.net, r.currency as string));
      }
      return got;
    };
    const same = (a: Map<string, number>) => JSON.stringify([...a].sort()) === JSON.stringify([...byMinute].sort());
    await waitFor("Superset's net per minute to match the REST API", async () => (same(await readSuperset()) ? true : undefined), 30_000).catch(() => undefined);
    expect(new Map([...(await readSuperset())].sort())).toEqual(new Map([...byMinute].sort()));
    // the known events, independently of both: m1 EUR = Paris 1999 + 501 - 250 + 1001 (correction) + unregistered 777
    expect(byMinute.get(`${t0 - 2 * MINUTE_MS}|EUR`)).toBe(4028);
    expect(byMinute.get(`${t0 - 2 * MINUTE_MS}|JPY`)).toBe(1300);
  });

  it("sale and refund counts per minute equal the REST minutes", async () => {
    const all = (await get<{ minutes: { minute: string; saleCount: number; refundCount: number }[] }>(`/v1/minutes?from=${iso(from)}&to=${iso(to)}`)).minutes;
    const expected = new Map<number, { sales: number; refunds: number }>();
    for (const m of all) {
      const k = Date.parse(m.minute);
      const e = expected.get(k) ?? { sales: 0, refunds: 0 };
      e.sales += m.saleCount;
      e.refunds += m.refundCount;
      expected.set(k, e);
    }
    const rows = await superset.chartData(chart("Sales and refunds per minute"), [only], range());
    expect(new Map(rows.map((r) => [r.minute as number, { sales: Number(r.sales), refunds: Number(r.refund_count) }]))).toEqual(expected);
  });

  it("top stores per currency equal GET /v1/top-stores (unregistered stores by their id)", async () => {
    for (const currency of ["EUR", "JPY", "USD"]) {
      const api = await get<{ stores: { storeId: string; netMinor: number }[] }>(`/v1/top-stores?from=${iso(from)}&to=${iso(to)}&currency=${currency}&limit=10`);
      const rows = await superset.chartData(chart("Top stores"), [only, { col: "currency", op: "IN", val: [currency] }], range());
      expect(rows.map((r) => ({ storeId: r.store_id, netMinor: toMinor(r.net, currency) }))).toEqual(api.stores.map((s) => ({ storeId: s.storeId, netMinor: s.netMinor })));
      for (const r of rows) if (r.store_id === UNREGISTERED) expect([r.store_name, r.region]).toEqual([UNREGISTERED, "(unregistered)"]);
    }
    const paris = await superset.chartData(chart("Top stores"), [{ col: "region", op: "IN", val: ["Europe (euro)"] }, only], range());
    expect(paris.map((r) => [r.store_id, r.store_name])).toEqual([[PARIS, "Paris Opéra"]]);
  });

  it("late events over time equal GET /v1/late-events", async () => {
    // late events live in PostgreSQL, shared with earlier runs: ask for this run's stores
    const lateEvents: { occurredAt: string }[] = [];
    for (const s of STORES) lateEvents.push(...(await get<{ lateEvents: { occurredAt: string }[] }>(`/v1/late-events?from=${iso(from)}&to=${iso(to)}&storeId=${s}`)).lateEvents);
    const perMinute = new Map<number, number>();
    for (const l of lateEvents) {
      const k = Math.floor(Date.parse(l.occurredAt) / MINUTE_MS) * MINUTE_MS;
      perMinute.set(k, (perMinute.get(k) ?? 0) + 1);
    }
    const rows = await superset.chartData(chart("Late events"), [only], range());
    const got = new Map<number, number>();
    for (const r of rows) got.set(r.minute as number, (got.get(r.minute as number) ?? 0) + Number(r.count));
    expect(got).toEqual(perMinute);
    expect(got.size).toBe(1);
  });

  it("hourly and daily rollup charts equal the REST minutes summed per hour and per store-local day", async () => {
    const hourly = new Map<string, number>();
    for (const s of STORES) {
      for (const m of (await get<{ minutes: { minute: string; currency: string; netMinor: number }[] }>(`/v1/stores/${s}/minutes?from=${iso(from)}&to=${iso(to)}`)).minutes) {
        const k = `${Math.floor(Date.parse(m.minute) / 3_600_000) * 3_600_000}|${m.currency}`;
        hourly.set(k, (hourly.get(k) ?? 0) + m.netMinor);
      }
    }
    const hourRange = `${supersetTime(from - 3_600_000)} : ${supersetTime(to + 3_600_000)}`;
    const rows = await superset.chartData(chart("Hourly net sales"), [only], hourRange);
    expect(new Map(rows.map((r) => [`${r.hour as number}|${r.currency as string}`, toMinor(r.net, r.currency as string)]))).toEqual(hourly);
    const daily = await superset.chartData(chart("Daily net sales"), [only], `${iso(from - 2 * 86_400_000).slice(0, 10)} : ${iso(to + 2 * 86_400_000).slice(0, 10)}`);
    const dailyNet = new Map<string, number>();
    for (const r of daily) dailyNet.set(r.currency as string, (dailyNet.get(r.currency as string) ?? 0) + toMinor(r.net, r.currency as string));
    const total = new Map<string, number>();
    for (const [k, v] of hourly) total.set(k.split("|")[1]!, (total.get(k.split("|")[1]!) ?? 0) + v);
    expect(dailyNet).toEqual(total);
  });

  it("renders every chart with data and no error in headless Chromium (logged in), and saves the screenshot", async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1300 } });
      await openDashboardLoggedIn(page);
      const holders = page.locator(".dashboard-component-chart-holder");
      // A CI run once saw 0 of 6 holders after 60 s (the same test passed alone right after): on a busy machine the
      // first load of Superset's bundles can be slow, so wait longer, and say what the page showed if it never comes.
      const shown = await expect
        .poll(() => holders.count(), { timeout: 120_000 })
        .toBe(6)
        .then(() => null, (err: Error) => err);
      if (shown) {
        const body = (await page.locator("body").innerText().catch((e: Error) => `(no body: ${e.message})`)).slice(0, 800);
        throw new Error(`the dashboard showed ${await holders.count()} of 6 chart holders; page ${page.url()} "${await page.title()}":\n${body}`);
      }
      for (let i = 0; i < 6; i++) {
        const h = holders.nth(i);
        await expect
          .poll(async () => (await h.locator("canvas").count()) + (await h.locator("table tbody tr").count()), { timeout: 60_000, message: `chart ${i} renders` })
          .toBeGreaterThan(0);
        expect(await h.getByText(/No results were returned|Unexpected error|error occurred/i).count(), `chart ${i} has no error/empty state`).toBe(0);
      }
      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    } finally {
      await browser.close();
    }
  }, 240_000);
});

/**
 * Signs in through Superset's form and opens the dashboard. One CI run landed back on the login page right after a
 * sign-in that Superset had accepted (it redirected to /login/?next=/superset/welcome/, which a wrong password does
 * not); it never reproduced, so a sign-in that does not hold is tried again, twice, and every attempt is reported.
 */
async function openDashboardLoggedIn(page: Page): Promise<void> {
  const attempts: string[] = [];
  for (let attempt = 1; attempt <= 3; attempt++) {
    await page.goto(`${SUPERSET_URL}/login/`);
    await page.fill("#username", SUPERSET_USER);
    await page.fill("#password", SUPERSET_PASSWORD);
    await Promise.all([
      page.waitForURL((u) => !u.pathname.startsWith("/login"), { timeout: 30_000 }).catch(() => undefined),
      page.getByRole("button", { name: "Sign in" }).click(),
    ]);
    await page.goto(`${SUPERSET_URL}/superset/dashboard/intraday-sales/`);
    if (!new URL(page.url()).pathname.startsWith("/login")) return;
    const shown = (await page.locator("body").innerText().catch(() => "")).replace(/\s+/g, " ").slice(0, 200);
    attempts.push(`attempt ${attempt}: sent back to ${page.url()} ("${shown}")`);
  }
  throw new Error(`could not stay signed in to Superset as ${SUPERSET_USER}:\n${attempts.join("\n")}`);
}
