import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startEmbedded, type TestApp } from "../support/embedded-app.ts";

describe("store directory API (embedded SQLite)", () => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  const inject = (method: "PUT" | "POST" | "GET", url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    app!.runtime.app.inject({ method, url, payload: payload as object, headers });

  it("PUT and batch POST store validated stores, kept across a restart", async () => {
    app = await startEmbedded();
    const put = await inject("PUT", "/v1/stores/store-1", { name: "Paris Opéra", region: "Europe", timeZone: "Europe/Paris" });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toEqual({ storeId: "store-1", name: "Paris Opéra", region: "Europe", timeZone: "Europe/Paris" });
    const batch = await inject("POST", "/v1/store-directory", [
      { storeId: "store-2", name: "Ginza", region: "Japan", timeZone: "Asia/Tokyo" },
      { storeId: "store-1", name: "Paris Opéra (renamed)", region: "Europe", timeZone: "Europe/Paris" },
    ]);
    expect(batch.json()).toEqual({ saved: 2 });
    const dir = app.dataDir;
    await app.close({ keepData: true });
    app = await startEmbedded({ dataDir: dir });
    expect((await inject("GET", "/v1/store-directory")).json()).toEqual({
      stores: [
        { storeId: "store-1", name: "Paris Opéra (renamed)", region: "Europe", timeZone: "Europe/Paris" },
        { storeId: "store-2", name: "Ginza", region: "Japan", timeZone: "Asia/Tokyo" },
      ],
    });
  });

  it("answers 400 with specific issues and saves nothing from a bad batch", async () => {
    app = await startEmbedded();
    const bad = await inject("PUT", "/v1/stores/store-1", { name: "", region: "Europe", timeZone: "Mars/Olympus" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({
      error: "invalid store",
      code: "INTRADAY_INVALID_STORES",
      retryable: false,
      issues: [
        { path: "name", message: "name must not be empty" },
        { path: "timeZone", message: 'timeZone "Mars/Olympus" is not an IANA time zone (e.g. Europe/Paris)' },
      ],
    });
    expect((await inject("PUT", "/v1/stores/bad%20id", { name: "x", region: "y", timeZone: "UTC" })).statusCode).toBe(400);
    const batch = await inject("POST", "/v1/store-directory", [{ storeId: "ok", name: "a", region: "b", timeZone: "UTC" }, { storeId: "x", name: "a", region: "b" }]);
    expect(batch.statusCode).toBe(400);
    expect(batch.json().issues).toEqual([{ path: "1.timeZone", message: "Invalid input: expected string, received undefined" }]);
    expect((await inject("GET", "/v1/store-directory")).json()).toEqual({ stores: [] });
  });

  it("needs the API key for writes when keys are set", async () => {
    app = await startEmbedded({ env: { API_KEYS: "k1" } });
    const body = { name: "a", region: "b", timeZone: "UTC" };
    expect((await inject("PUT", "/v1/stores/s", body)).statusCode).toBe(401);
    expect((await inject("PUT", "/v1/stores/s", body, { authorization: "Bearer k1" })).statusCode).toBe(200);
    expect((await inject("GET", "/v1/store-directory")).statusCode).toBe(200);
  });

  it("npm run stores:load loads a CSV into the embedded directory, and refuses a bad one with line numbers", async () => {
    app = await startEmbedded();
    const dir = app.dataDir;
    await app.close({ keepData: true });
    const good = join(dir, "stores.csv");
    writeFileSync(good, "store_id,name,region,time_zone\nstore-9,Zurich HB,Switzerland,Europe/Zurich\n");
    const env = { ...process.env, INTRADAY_DATA_DIR: dir };
    expect(execFileSync("npx", ["tsx", "scripts/stores-load.ts", good], { env, encoding: "utf8" })).toContain("loaded 1 stores");
    const bad = join(dir, "bad.csv");
    writeFileSync(bad, "store_id,name,region,time_zone\nstore-8,X,Y,Nowhere/Land\n");
    let stderr = "";
    try {
      execFileSync("npx", ["tsx", "scripts/stores-load.ts", bad], { env, encoding: "utf8", stdio: "pipe" });
    } catch (err) {
      stderr = String((err as { stderr: string }).stderr);
    }
    expect(stderr).toContain('line 2: timeZone: timeZone "Nowhere/Land" is not an IANA time zone');
    app = await startEmbedded({ dataDir: dir });
    expect((await inject("GET", "/v1/store-directory")).json().stores).toEqual([{ storeId: "store-9", name: "Zurich HB", region: "Switzerland", timeZone: "Europe/Zurich" }]);
  }, 60_000);
});
