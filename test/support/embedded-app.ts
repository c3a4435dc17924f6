import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { loadSettings, type Settings } from "../../src/config/settings.ts";
import { embeddedAdapters } from "../../src/runtime/embedded-adapters.ts";
import { createRuntime, type Runtime } from "../../src/runtime/runtime.ts";

export interface TestApp {
  runtime: Runtime;
  settings: Settings;
  dataDir: string;
  /** Base URL when started with listen: true. */
  url: string;
  close(opts?: { keepData?: boolean }): Promise<void>;
}

/**
 * The whole embedded pipeline on a temp data dir (or a given one), processing started.
 * `env` overrides settings by their INTRADAY_ names without the prefix, e.g. { GRACE_MS: "0" }.
 */
export async function startEmbedded(opts: { env?: Record<string, string>; dataDir?: string; listen?: boolean; now?: () => number } = {}): Promise<TestApp> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "intraday-test-"));
  const env: NodeJS.ProcessEnv = { INTRADAY_DATA_DIR: dataDir, INTRADAY_LOG_LEVEL: "silent", INTRADAY_PORT: "0" };
  for (const [k, v] of Object.entries(opts.env ?? {})) env[`INTRADAY_${k}`] = v;
  const settings = loadSettings(env);
  const now = opts.now ?? Date.now;
  const runtime = await createRuntime(settings, embeddedAdapters(settings, now), now);
  await runtime.startProcessing();
  let url = "";
  if (opts.listen) url = await runtime.app.listen({ host: "127.0.0.1", port: 0 });
  return {
    runtime,
    settings,
    dataDir,
    url,
    async close({ keepData = false } = {}) {
      await runtime.stop();
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * An embedded app for the enclosing `describe`: started in beforeAll, closed in afterAll. The
 * returned object reads through to the running app, so tests use it like a TestApp.
 */
export function embeddedAppPerDescribe(opts: Parameters<typeof startEmbedded>[0] = {}): TestApp {
  let app: TestApp | undefined;
  beforeAll(async () => {
    app = await startEmbedded(opts);
  });
  afterAll(async () => app?.close());
  const running = (): TestApp => {
    if (!app) throw new Error("the embedded app is only available inside the tests of the describe");
    return app;
  };
  return {
    get runtime() {
      return running().runtime;
    },
    get settings() {
      return running().settings;
    },
    get dataDir() {
      return running().dataDir;
    },
    get url() {
      return running().url;
    },
    close: (o) => running().close(o),
  };
}

export function saleEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventId: randomUUID(),
    storeId: "store-1",
    occurredAt: new Date().toISOString(),
    type: "sale",
    currency: "EUR",
    lines: [{ sku: "sku-1", quantity: 2, unitPriceMinor: 250 }],
    ...overrides,
  };
}

export async function waitFor<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 10_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
