import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchChromium } from "./support/browser.ts";
import { saleEvent, startEmbedded, type TestApp } from "./support/embedded-app.ts";
import { JumpingClock } from "./support/test-clock.ts";

// The live page at `/` and the docs page at `/docs`, in Debian's headless Chromium.
// Without Chromium installed these tests fail (launchChromium says how to install it); they never skip.

const MINUTE_MS = 60_000;
const minuteIso = (ms: number) => new Date(Math.floor(ms / MINUTE_MS) * MINUTE_MS).toISOString();

let browser: Browser;
let launchError: unknown;
let context: BrowserContext | undefined;
let app: TestApp | undefined;
let pageErrors: string[] = [];
/** The server's and the browser's clock: each test starts well inside a minute instead of waiting for one. */
let clock: JumpingClock;

beforeAll(async () => {
  // Remember a launch failure and fail every test with it (a failing hook would report them as skipped).
  try {
    browser = await launchChromium();
  } catch (e) {
    launchError = e;
  }
});

function chromium(): Browser {
  if (launchError) throw launchError;
  return browser;
}

beforeEach(() => {
  chromium();
  clock = new JumpingClock();
});

afterAll(async () => {
  await browser?.close();
});

afterEach(async () => {
  await context?.close();
  context = undefined;
  await app?.close();
  app = undefined;
  expect(pageErrors, "the page threw in the browser").toEqual([]);
});

async function newContext(opts: Parameters<Browser["newContext"]>[0] = {}): Promise<BrowserContext> {
  context = await chromium().newContext({ locale: "en-US", timezoneId: "UTC", ...opts });
  await context.clock.install({ time: clock.now() }); // then runs with real time, like the server's
  return context;
}

/** A page whose uncaught errors fail the test (afterEach). */
async function watchedPage(opts: Parameters<Browser["newContext"]>[0] = {}): Promise<Page> {
  const page = await (await newContext(opts)).newPage();
  pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  return page;
}

async function openPage(url: string): Promise<Page> {
  const page = await watchedPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(url);
  return page;
}

async function post(events: unknown): Promise<void> {
  const res = await fetch(`${app!.url}/v1/sales`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(events) });
  expect(res.status, await res.clone().text()).toBe(202);
}

/** The minute being tested must stay open while the test looks at it. */
const awayFromMinuteEnd = (latestSecond = 40) => clock.minuteWithTimeLeft((60 - latestSecond) * 1000);

const text = async (page: Page, sel: string) => (await page.locator(sel).textContent())?.trim();
const bar = (page: Page, chart: "all" | "store", minute: string) => page.locator(`#chart-${chart} .bar[data-minute="${minute}"]`);

async function barAttrs(page: Page, chart: "all" | "store", minute: string) {
  const b = bar(page, chart, minute);
  return {
    net: await b.getAttribute("data-net-minor"),
    provisional: await b.getAttribute("data-provisional"),
    fill: await b.getAttribute("fill"),
    currency: await b.getAttribute("data-currency"),
  };
}

describe("live page", () => {
  it("shows a POSTed sale as a provisional bar with its net, all stores summed by the server, currencies apart", async () => {
    await awayFromMinuteEnd();
    app = await startEmbedded({ listen: true, now: clock.now });
    const page = await openPage(`${app.url}/`);
    await expect.poll(() => page.getAttribute("#status", "data-state")).toBe("live");
    await expect.poll(() => page.locator("#chart-all .bar").count()).toBe(0);

    const t = clock.now();
    const minute = minuteIso(t);
    await post(saleEvent({ storeId: "store-1", occurredAt: new Date(t).toISOString() })); // 2 × 250 EUR

    await expect.poll(() => bar(page, "all", minute).count(), { timeout: 10_000 }).toBe(1);
    expect(await barAttrs(page, "all", minute)).toMatchObject({ net: "500", provisional: "true", currency: "EUR" });
    expect((await barAttrs(page, "all", minute)).fill).toMatch(/^url\(#hatch-/);
    // The only store seen is chosen for the store chart.
    await expect.poll(() => page.getAttribute("#chart-store", "data-store-id")).toBe("store-1");
    expect(await barAttrs(page, "store", minute)).toMatchObject({ net: "500", provisional: "true" });
    await expect.poll(() => text(page, "#kpi-current")).toBe("€5.00");

    // Another store sells and refunds; a third sells in yen, which must not be added to euros.
    await post([
      saleEvent({ storeId: "store-2", occurredAt: new Date(t).toISOString(), lines: [{ sku: "a", quantity: 1, unitPriceMinor: 1999 }] }),
      saleEvent({ storeId: "store-2", occurredAt: new Date(t).toISOString(), type: "refund", lines: [{ sku: "b", quantity: 1, unitPriceMinor: 300 }] }),
      saleEvent({ storeId: "store-3", occurredAt: new Date(t).toISOString(), currency: "JPY", lines: [{ sku: "c", quantity: 1, unitPriceMinor: 5000 }] }),
    ]);
    await expect.poll(() => bar(page, "all", minute).getAttribute("data-net-minor"), { timeout: 10_000 }).toBe(String(500 + 1999 - 300));
    await expect.poll(() => text(page, "#kpi-current")).toBe("€21.99");
    expect(await barAttrs(page, "store", minute)).toMatchObject({ net: "500" }); // still store-1
    expect(await page.inputValue("#currency")).toBe("EUR"); // the currency with most events

    await page.selectOption("#store", "store-2");
    await expect.poll(() => bar(page, "store", minute).getAttribute("data-net-minor")).toBe("1699");
    await expect.poll(() => page.locator("#top-stores tbody tr").first().getAttribute("data-store-id"), { timeout: 10_000 }).toBe("store-2");

    // Yen: its own series, formatted without minor digits.
    await page.selectOption("#currency", "JPY");
    await expect.poll(() => bar(page, "all", minute).getAttribute("data-net-minor")).toBe("5000");
    expect(await barAttrs(page, "all", minute)).toMatchObject({ currency: "JPY" });
    await expect.poll(() => text(page, "#kpi-current")).toBe("¥5,000");
  });

  it("renders a closed minute as final, differently from the open one", async () => {
    await awayFromMinuteEnd(45);
    app = await startEmbedded({ listen: true, now: clock.now, env: { GRACE_MS: "0", IDLE_SLACK_MS: "500", SWEEP_INTERVAL_MS: "100" } });
    const page = await openPage(`${app.url}/`);
    await expect.poll(() => page.getAttribute("#status", "data-state")).toBe("live");

    const now = clock.now();
    const previous = minuteIso(now - MINUTE_MS);
    const current = minuteIso(now);
    await post(saleEvent({ storeId: "store-9", occurredAt: new Date(now - MINUTE_MS).toISOString(), lines: [{ sku: "x", quantity: 3, unitPriceMinor: 1000 }] }));
    await post(saleEvent({ storeId: "store-9", occurredAt: new Date(now).toISOString(), lines: [{ sku: "y", quantity: 1, unitPriceMinor: 700 }] }));

    await expect.poll(() => bar(page, "all", previous).getAttribute("data-provisional"), { timeout: 10_000 }).toBe("false");
    await expect.poll(() => bar(page, "all", current).getAttribute("data-provisional"), { timeout: 10_000 }).toBe("true");
    const closed = await barAttrs(page, "all", previous);
    const open = await barAttrs(page, "all", current);
    expect(closed.net).toBe("3000");
    expect(open.net).toBe("700");
    // Drawn differently: final bars are solid, provisional ones hatched with a dashed outline.
    expect(closed.fill).toMatch(/^#/);
    expect(open.fill).toMatch(/^url\(#hatch-/);
    expect(await bar(page, "all", previous).getAttribute("class")).toContain("final");
    expect(await bar(page, "all", current).getAttribute("class")).toContain("provisional");
    expect(await barAttrs(page, "store", previous)).toMatchObject({ net: "3000", provisional: "false" });
    await expect.poll(() => text(page, "#kpi-last-final")).toBe("€30.00");
    expect(await page.locator("#chart-all").locator("xpath=ancestor::section").locator(".legend").textContent()).toMatch(/Provisional/);
  });

  it("the all-stores chart shows the server's all-stores totals, not a sum of the store ticks the page received", async () => {
    await awayFromMinuteEnd();
    app = await startEmbedded({ listen: true, now: clock.now });
    const page = await watchedPage();
    // Between server and page, drop every message about store "hidden" (snapshot rows and ticks).
    const allStoresMessages: unknown[] = [];
    await page.routeWebSocket(/\/v1\/live$/, (ws) => {
      const server = ws.connectToServer();
      server.onMessage((m) => {
        const msg = JSON.parse(String(m)) as { type: string; storeId?: string; minutes?: { storeId?: string }[] };
        if (msg.type === "tick" && msg.storeId === "hidden") return;
        if (msg.type === "snapshot") msg.minutes = msg.minutes?.filter((r) => r.storeId !== "hidden");
        if (msg.type === "allStores") allStoresMessages.push(msg);
        ws.send(JSON.stringify(msg));
      });
    });
    await page.goto(`${app.url}/`);
    await expect.poll(() => page.getAttribute("#status", "data-state")).toBe("live");

    const t = clock.now();
    const minute = minuteIso(t);
    await post([
      saleEvent({ storeId: "seen", occurredAt: new Date(t).toISOString(), lines: [{ sku: "a", quantity: 1, unitPriceMinor: 1000 }] }),
      saleEvent({ storeId: "hidden", occurredAt: new Date(t).toISOString(), lines: [{ sku: "b", quantity: 1, unitPriceMinor: 234 }] }),
    ]);
    await expect.poll(() => bar(page, "all", minute).getAttribute("data-net-minor"), { timeout: 10_000 }).toBe("1234");
    expect(allStoresMessages.length).toBeGreaterThan(0);
    // The same number REST serves for all stores.
    const rest = (await (await fetch(`${app.url}/v1/minutes?from=${minute}&to=${minuteIso(t + MINUTE_MS)}`)).json()) as { minutes: { netMinor: number }[] };
    expect(rest.minutes.map((m) => m.netMinor)).toEqual([1234]);
    await expect.poll(() => page.getAttribute("#chart-store", "data-store-id")).toBe("seen");
    expect(await barAttrs(page, "store", minute)).toMatchObject({ net: "1000", provisional: "true" });

    // A reload takes the all-stores rows from the snapshot.
    await page.reload();
    await expect.poll(() => bar(page, "all", minute).getAttribute("data-net-minor"), { timeout: 10_000 }).toBe("1234");
  });

  it("orders two versions of a row by the domain's rule: a stale tick crossing the snapshot does not replace the newer row", async () => {
    await awayFromMinuteEnd();
    app = await startEmbedded({ listen: true, now: clock.now });
    const t = clock.now();
    const minute = minuteIso(t);
    await post([saleEvent({ storeId: "kept", occurredAt: new Date(t).toISOString(), lines: [{ sku: "a", quantity: 1, unitPriceMinor: 1000 }] })]);
    const page = await watchedPage();
    let staleSent = false;
    await page.routeWebSocket(/\/v1\/live$/, (ws) => {
      const server = ws.connectToServer();
      server.onMessage((m) => {
        const msg = JSON.parse(String(m)) as { type: string; minutes?: { storeId: string; offset: number; saleCount: number }[] };
        const row = msg.type === "snapshot" ? msg.minutes?.find((r) => r.storeId === "kept") : undefined;
        if (row) {
          // Sent before the snapshot (as a tick read earlier would be): one record older, yet with more
          // events and another net. By event count it would win; by offset it is older.
          ws.send(JSON.stringify({ type: "tick", ...row, offset: row.offset - 1, saleCount: row.saleCount + 5, grossMinor: 99_999, netMinor: 99_999 }));
          staleSent = true;
        }
        ws.send(String(m));
      });
    });
    await page.goto(`${app.url}/?store=kept`);
    // The first value drawn is the one the page chose (a later checkpoint tick would hide a wrong choice).
    await expect.poll(() => bar(page, "store", minute).count(), { timeout: 10_000 }).toBe(1);
    expect(await bar(page, "store", minute).getAttribute("data-net-minor")).toBe("1000");
    expect(staleSent).toBe(true);
  });

  it("reconnects after the socket drops, re-subscribes and takes a fresh snapshot", async () => {
    await awayFromMinuteEnd();
    app = await startEmbedded({ listen: true, now: clock.now });
    const page = await watchedPage();
    const sockets: { close: () => Promise<void> }[] = [];
    const sent: string[] = [];
    await page.routeWebSocket(/\/v1\/live$/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((m) => {
        sent.push(String(m));
        server.send(m);
      });
      sockets.push({ close: () => ws.close({ code: 1012, reason: "test drops the connection" }) });
    });
    await page.goto(`${app.url}/`);
    await expect.poll(() => page.getAttribute("#status", "data-state")).toBe("live");
    expect(sockets).toHaveLength(1);

    await sockets[0]!.close();
    await expect.poll(() => page.getAttribute("#status", "data-state")).not.toBe("live");
    const t = clock.now();
    await post(saleEvent({ storeId: "store-r", occurredAt: new Date(t).toISOString() }));

    await expect.poll(() => page.getAttribute("#status", "data-state"), { timeout: 15_000 }).toBe("live");
    expect(sockets).toHaveLength(2);
    expect(sent.map((m) => JSON.parse(m))).toEqual([{ subscribe: "*" }, { subscribe: "*" }]);
    await expect.poll(() => bar(page, "all", minuteIso(t)).getAttribute("data-net-minor"), { timeout: 10_000 }).toBe("500");
  });
});

describe("docs page", () => {
  it("renders the generated OpenAPI document (swagger-ui), listing POST /v1/sales with its body fields and 202", async () => {
    app = await startEmbedded({ listen: true });
    const page = await openPage(`${app.url}/docs`);
    const sales = page.locator(".opblock-post", { has: page.locator('.opblock-summary-path[data-path="/v1/sales"]') });
    await sales.waitFor({ state: "visible", timeout: 20_000 });
    expect((await sales.locator(".opblock-summary-method").textContent())?.trim()).toBe("POST");
    await sales.locator(".opblock-summary").first().click();
    const example = sales.locator(".body-param__example, .microlight").first();
    await example.waitFor({ state: "visible", timeout: 10_000 });
    const body = (await sales.textContent()) ?? "";
    for (const field of ["eventId", "storeId", "occurredAt", "type", "currency", "lines", "sku", "quantity", "unitPriceMinor"]) {
      expect(body, `field ${field} in the POST /v1/sales request body`).toContain(field);
    }
    expect(await sales.locator('tr.response[data-code="202"]').isVisible()).toBe(true);
    expect(await page.locator('.opblock-get .opblock-summary-path[data-path="/v1/minutes"]').isVisible()).toBe(true);
  });
});
