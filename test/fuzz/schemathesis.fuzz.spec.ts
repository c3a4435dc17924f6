import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbedded, type TestApp } from "../support/embedded-app.ts";

/**
 * Issue 7 §2: schemathesis (pinned, from PyPI, in a venv: scripts/schemathesis.sh) runs with all
 * checks against the embedded server built from the generated /openapi.json, with and without API
 * keys: zero failures. And most schema-valid POSTs (positive mode) are accepted.
 */
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
// occurredAt must not be ahead of the server clock by more than the skew; the generator picks years up
// to 9999, so the fuzzed server allows any future (a documented setting, see docs/api.md).
const FUZZ_ENV = { MAX_FUTURE_SKEW_MS: String(300_000_000_000_000), MAX_BATCH: "50" };

function schemathesis(url: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn("bash", ["scripts/schemathesis.sh", "run", url, "--seed", "7", "--no-color", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("exit", (code) => resolve({ code, output }));
  });
}

const summary = (output: string) => output.split("\n").filter((l) => /generated|failures|passed|Failures:|❌|ST\d{3}/.test(l)).join("\n");

async function ingestCount(t: TestApp, status: number): Promise<number> {
  return t.runtime.metrics.ingestRequests.get({ status });
}

describe("schemathesis, all checks, no API keys", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startEmbedded({ listen: true, env: FUZZ_ENV });
  });
  afterAll(async () => t?.close());

  it("finds no failure", async () => {
    const r = await schemathesis(t.url, []);
    console.log(summary(r.output));
    expect(r.output).not.toMatch(/Failures:|unique failure/);
    expect(r.code, r.output.slice(-6000)).toBe(0);
  }, 600_000);

  it("a good share of schema-valid POSTs is accepted (positive mode; the rest break cross-field money rules)", async () => {
    const [before202, before400] = [await ingestCount(t, 202), await ingestCount(t, 400)];
    const r = await schemathesis(t.url, ["--mode", "positive", "--include-path", "/v1/sales", "--phases", "fuzzing", "-n", "200", "--checks", "not_a_server_error"]);
    expect(r.code, r.output.slice(-4000)).toBe(0);
    const accepted = (await ingestCount(t, 202)) - before202;
    const rejected = (await ingestCount(t, 400)) - before400;
    console.log(`schemathesis positive POSTs: ${accepted} accepted, ${rejected} rejected (cross-field rules)`);
    // The rejections break rules JSON Schema cannot state (totalMinor = Σ lines, Σ ≤ 10^12: see
    // schemathesis.toml); a falling share means the document stopped describing what the server takes.
    // Measured 29–35 % over runs (docs/api.md); the floor leaves room for the generator's spread.
    expect(accepted / (accepted + rejected)).toBeGreaterThanOrEqual(0.2);
  }, 600_000);
});

describe("schemathesis, all checks, with ingest and read keys", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startEmbedded({ listen: true, env: { ...FUZZ_ENV, API_KEYS: "fuzz-ingest", READ_API_KEYS: "fuzz-read" } });
  });
  afterAll(async () => t?.close());

  it("finds no failure with the ingest key (which also reads)", async () => {
    const r = await schemathesis(t.url, ["-H", "Authorization: Bearer fuzz-ingest"]);
    console.log(summary(r.output));
    expect(r.output).not.toMatch(/Failures:|unique failure/);
    expect(r.code, r.output.slice(-6000)).toBe(0);
  }, 600_000);
});
