import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSettings } from "../../src/config/settings.ts";
import { embeddedAdapters } from "../../src/runtime/embedded-adapters.ts";
import { createRuntime, type Runtime } from "../../src/runtime/runtime.ts";
import { HandshakeRefused, LiveClient } from "../support/live-client.ts";

/** Who may open /v1/live: the Origin allow-list (against cross-site pages) and read keys. */

interface Server {
  url: string;
  runtime: Runtime;
  dir: string;
}

async function serve(env: Record<string, string>, readKeys: string[] = []): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), "intraday-live-access-"));
  const prefixed = Object.fromEntries(Object.entries(env).map(([k, v]) => [`INTRADAY_${k}`, v]));
  const keys = readKeys.length ? { INTRADAY_READ_API_KEYS: readKeys.join(",") } : {};
  const settings = loadSettings({ INTRADAY_DATA_DIR: dir, INTRADAY_LOG_LEVEL: "silent", ...prefixed, ...keys });
  const runtime = await createRuntime(settings, embeddedAdapters(settings));
  const url = await runtime.app.listen({ host: "127.0.0.1", port: 0 });
  return { url, runtime, dir };
}

async function refusal(p: Promise<LiveClient>): Promise<number> {
  try {
    const c = await p;
    c.ws.terminate();
    return 101;
  } catch (e) {
    if (e instanceof HandshakeRefused) return e.status;
    throw e;
  }
}

const servers: Server[] = [];
let open: Server;
let listed: Server;
let keyed: Server;

beforeAll(async () => {
  open = await serve({});
  listed = await serve({ WS_ALLOWED_ORIGINS: "https://ops.example.com" });
  keyed = await serve({}, ["read-key-1"]);
  servers.push(open, listed, keyed);
});

afterAll(async () => {
  for (const s of servers) {
    await s.runtime.stop();
    rmSync(s.dir, { recursive: true, force: true });
  }
});

describe("GET /v1/live origins", () => {
  it("by default: clients without Origin and same-origin pages connect; a cross-site page is refused with 403", async () => {
    const host = new URL(open.url).host;
    expect(await refusal(LiveClient.connect(open.url))).toBe(101);
    expect(await refusal(LiveClient.connect(open.url, { origin: `http://${host}` }))).toBe(101);
    expect(await refusal(LiveClient.connect(open.url, { origin: "https://evil.example" }))).toBe(403);
    expect(await refusal(LiveClient.connect(open.url, { origin: "http://localhost:1" }))).toBe(403);
    expect(await refusal(LiveClient.connect(open.url, { origin: "null" }))).toBe(403);
  });

  it("WS_ALLOWED_ORIGINS admits the listed origin and no other", async () => {
    expect(await refusal(LiveClient.connect(listed.url, { origin: "https://ops.example.com" }))).toBe(101);
    expect(await refusal(LiveClient.connect(listed.url, { origin: "https://evil.example" }))).toBe(403);
  });

  it("the refusal body names the setting", async () => {
    const res = await open.runtime.app.inject({ method: "GET", url: "/v1/live", headers: { origin: "https://evil.example" } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: "INTRADAY_WS_ORIGIN_FORBIDDEN", error: expect.stringContaining("INTRADAY_WS_ALLOWED_ORIGINS") });
  });
});

describe("GET /v1/live read keys", () => {
  it("with read keys configured: no key or a wrong key → 401; a Bearer header (any case) or ?access_token= → connected", async () => {
    expect(await refusal(LiveClient.connect(keyed.url))).toBe(401);
    expect(await refusal(LiveClient.connect(keyed.url, { headers: { authorization: "Bearer wrong" } }))).toBe(401);
    expect(await refusal(LiveClient.connect(keyed.url, { headers: { authorization: "bearer read-key-1" } }))).toBe(101);
    expect(await refusal(LiveClient.connect(keyed.url, { path: "/v1/live?access_token=read-key-1" }))).toBe(101);
    const c = await LiveClient.connect(keyed.url, { headers: { authorization: "Bearer read-key-1" } });
    expect(await c.subscribe("*")).toMatchObject({ type: "snapshot", stores: "*" });
    c.ws.terminate();
  });

  it("the Origin check applies to key holders too", async () => {
    expect(await refusal(LiveClient.connect(keyed.url, { origin: "https://evil.example", headers: { authorization: "Bearer read-key-1" } }))).toBe(403);
  });
});
