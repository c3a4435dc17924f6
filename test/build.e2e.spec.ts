import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saleEvent, waitFor } from "./support/embedded-app.ts";
import { killAllSpawned, spawnServer } from "./support/process.ts";

/**
 * The build the image runs (`npm run build`, then `node dist/main.js`): plain JavaScript, the
 * processing worker started from its compiled module, the files that are not TypeScript beside it.
 */
describe("the compiled build (node dist/main.js, no TypeScript loader)", () => {
  // Inside the repository, so the build resolves node_modules and package.json as dist/ does.
  mkdirSync(".cache", { recursive: true });
  const out = resolve(mkdtempSync(join(".cache", "build-")));
  const dirs: string[] = [];

  beforeAll(() => {
    execFileSync(process.execPath, ["--import", "tsx", "scripts/build.ts", "--out", out], { stdio: "pipe", timeout: 120_000 });
  }, 150_000);

  afterAll(async () => {
    await killAllSpawned();
    for (const d of [out, ...dirs]) rmSync(d, { recursive: true, force: true });
  });

  it("serves ingest, processing in its worker thread, the live page and a graceful stop", async () => {
    const dir = mkdtempSync(join(tmpdir(), "intraday-build-"));
    dirs.push(dir);
    const server = await spawnServer({ env: { INTRADAY_DATA_DIR: dir }, entry: [join(out, "main.js")] });
    const ready = (await (await fetch(`${server.url}/readyz`)).json()) as { checks: Record<string, string> };
    expect(ready.checks.processing).toBe("running");

    const events = [saleEvent({ storeId: "built-1" }), saleEvent({ storeId: "built-1" })];
    const r = await fetch(`${server.url}/v1/sales`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(events) });
    expect(r.status).toBe(202);
    const applied = async () => /^intraday_processed_events_total\{outcome="applied"\} 2$/m.test(await (await fetch(`${server.url}/metrics`)).text());
    await waitFor(applied, 20_000);

    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<html");
    expect((await fetch(`${server.url}/app.js`)).status).toBe(200);

    expect((await server.sigterm()).code).toBe(0);
  });
});
