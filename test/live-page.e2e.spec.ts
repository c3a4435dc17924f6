import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchChromium } from "./support/browser.ts";
import { saleEvent, startEmbedded, type TestApp } from "./support/embedded-app.ts";

// The live page at `/` and the docs page at `/docs`, in Debian's headless Chromium.
// Without Chromium installed these tests fail (launchChromium says how to install it); they never skip.

const MINUTE_MS = 60_000;
const minuteIso = (ms: number) => new Date(Math.floor(ms / MINUTE_MS) * MINUTE_MS).toISOString();

let browser: Browser;
let launchError: unknown;
let context: BrowserContext | undefined;
let app: TestApp | undefined;
let pageErrors: string[] = [];

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

async function openPage(url: string): Promise<Page> {
  context = await chromium().newContext({ locale: "en-US", timezoneId: "UTC", viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  await page.goto(url);
  return page;
}

async function post(events: unknown): Promise<void> {
  const res = await fetch(`${app!.url}/v1/sales`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(events) });
  expect(res.status, await res.clone().text()).toBe(202);
}

/**
 * The minute being tested must stay open while the test looks at it: near the end of a minute,
 * wait for the next one to begin (at most ~20 s).
 */
async function awayFromMinuteEnd(latestSecond = 40): Promise<void> {
  const intoMinute = Date.now() % MINUTE_MS;
  if (intoMinute > latestSecond * 1000) await new Promise((r) => setTimeout(r, MINUTE_MS - intoMinute + 200));
}

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
  it("shows a POSTed sale as a provisional bar with its net, sums stores client-side and keeps currencies apart", async () => {
    app = await startEmbedded({ listen: true });
    await awayFromMinuteEnd();
    const page = await openPage(`${app.url}/`);
    await expect.poll(() => page.getAttribute("#status", "data-state")).toBe("live");
    await expect.poll(() => page.locator("#chart-all .bar").count()).toBe(0);

    const t = Date.now();
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
    app = await startEmbedded({ listen: true, env: { GRACE_MS: "0", IDLE_SLACK_MS: "500", TICK_INTERVAL_MS: "100" } });
    await awayFromMinuteEnd(45);
    const page = await openPage(`${app.url}/`);
    await expect.poll(() => page.getAttribute("#status", "data-state")).toBe("live");

    const now = Date.now();
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

  it("reconnects after the socket drops, re-subscribes and takes a fresh snapshot", async () => {
    app = await startEmbedded({ listen: true });
    await awayFromMinuteEnd();
    context = await chromium().newContext({ locale: "en-US", timezoneId: "UTC" });
    const page = await context.newPage();
    pageErrors = [];
    page.on("pageerror", (e) => pageErrors.push(String(e)));
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
    const t = Date.now();
    await post(saleEvent({ storeId: "store-r", occurredAt: new Date(t).toISOString() }));

    await expect.poll(() => page.getAttribute("#status", "data-state"), { timeout: 15_000 }).toBe("live");
    expect(sockets).toHaveLength(2);
    expect(sent.map((m) => JSON.parse(m))).toEqual([{ subscribe: "*" }, { subscribe: "*" }]);
    await expect.poll(() => bar(page, "all", minuteIso(t)).getAttribute("data-net-minor"), { timeout: 10_000 }).toBe("500");
  });
});

describe("docs page", () => {
  it("renders the OpenAPI document, listing POST /v1/sales with its body fields", async () => {
    app = await startEmbedded({ listen: true });
    const page = await openPage(`${app.url}/docs`);
    const sales = page.locator('section.endpoint[data-method="POST"][data-path="/v1/sales"]');
    await sales.waitFor({ state: "visible", timeout: 10_000 });
    expect(await sales.locator(".ep-head .method").textContent()).toBe("POST");
    expect(await sales.locator(".ep-head .path").textContent()).toBe("/v1/sales");
    const fields = await sales.locator("td.name").allTextContents();
    for (const field of ["eventId", "storeId", "occurredAt", "type", "currency", "lines", "sku", "quantity", "unitPriceMinor"]) {
      expect(fields.some((f) => f.startsWith(field)), `field ${field} in ${fields.join(", ")}`).toBe(true);
    }
    expect(await sales.locator('[data-status="202"]').isVisible()).toBe(true);
    expect(await page.locator('section.endpoint[data-path="/v1/minutes"] [data-param="from"]').isVisible()).toBe(true);
    expect(await page.locator("nav.side").textContent()).toContain("POST/v1/sales");
  });
});
