import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../support/embedded-app.ts";
import { spawnServer, type ServerProcess } from "../support/process.ts";
import { expectExactTotals } from "./reconcile-helpers.ts";
import { isolatedEnv, prefixed } from "./support.ts";
import { makeEvents, type PosEvent } from "./traffic.ts";

/** Live API processes of the supervisor `pid` (its children running the server: tsx may have an esbuild child too). */
function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const p of readdirSync("/proc")) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) === pid && fields[0] !== "Z" && readFileSync(`/proc/${p}/cmdline`, "utf8").includes("src/main.ts")) out.push(Number(p));
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

async function ingestCounts(url: string): Promise<{ accepted: number; duplicate: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (result: string) => Number(new RegExp(`^intraday_ingest_events_total\\{result="${result}"\\} (\\S+)$`, "m").exec(text)?.[1] ?? 0);
  return { accepted: value("accepted"), duplicate: value("duplicate") };
}

/** POSTs every batch, `concurrency` at a time, each on a connection of its own; all must be answered 202. */
async function postAll(url: string, batches: PosEvent[][], concurrency: number): Promise<void> {
  const queue = [...batches];
  const worker = async () => {
    for (let batch = queue.shift(); batch; batch = queue.shift()) {
      const r = await fetch(`${url}/v1/sales`, { method: "POST", headers: { "content-type": "application/json", connection: "close" }, body: JSON.stringify(batch) });
      expect(r.status, await r.text()).toBe(202);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

describe("several API processes on one port (INTRADAY_API_PROCESSES)", () => {
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    ({ env, drop } = await isolatedEnv(3));
  });
  afterAll(async () => {
    for (const s of servers) for (const child of childPids(s.pid)) killQuietly(child);
    await Promise.all(servers.map((s) => s.kill9()));
    await drop?.();
  });

  it("ingests through every process, answers resends to any of them as duplicates, sums their metrics and keeps the totals exact", async () => {
    const from = Date.now() - 120_000;
    servers.push(await spawnServer({ env: prefixed({ ...env, ROLE: "processor" }) }));
    const api = await spawnServer({ env: prefixed({ ...env, ROLE: "api", API_PROCESSES: "2", LOG_LEVEL: "warn" }) });
    servers.push(api);
    expect(api.output().match(/listening on/g)).toHaveLength(1);
    expect(api.output()).toContain("2 API processes");
    expect(childPids(api.pid)).toHaveLength(2);

    const batches = Array.from({ length: 40 }, () => makeEvents(25, "api-procs"));
    const events = new Map(batches.flat().map((e) => [e.eventId, e]));
    await postAll(api.url, batches, 4);
    expect(await ingestCounts(api.url)).toEqual({ accepted: events.size, duplicate: 0 });

    // Once the shared id index holds them, a resend is a duplicate whichever process answers it.
    const pool = new pg.Pool({ connectionString: env.PG_URL, max: 1 });
    try {
      await waitFor(async () => Number((await pool.query("SELECT count(*) AS n FROM ingest_event_ids")).rows[0].n) === events.size, 30_000, 200);
    } finally {
      await pool.end();
    }
    await postAll(api.url, batches, 4);
    expect(await ingestCounts(api.url)).toEqual({ accepted: events.size, duplicate: events.size });

    await expectExactTotals(env, events, from, Date.now() + 60_000, "api-procs");

    // Many concurrent reads of /metrics (each process gathers once for all the reads that wait on it) all get the sum.
    const reads = await Promise.all(Array.from({ length: 50 }, () => ingestCounts(api.url)));
    expect(reads.every((r) => r.accepted === events.size && r.duplicate === events.size)).toBe(true);

    // A process killed -9 is replaced; its share of the counts goes with it, which shows both served.
    const [victim] = childPids(api.pid);
    process.kill(victim!, "SIGKILL");
    await waitFor(async () => {
      const children = childPids(api.pid);
      return children.length === 2 && !children.includes(victim!);
    }, 60_000, 200);
    await waitFor(async () => (await fetch(`${api.url}/healthz`).then((r) => r.status, () => 0)) === 200, 60_000, 200);
    const after = await ingestCounts(api.url);
    expect(after.accepted).toBeGreaterThan(0);
    expect(after.accepted).toBeLessThan(events.size);
    await postAll(api.url, [makeEvents(10, "api-procs-after")], 1);
    expect(api.output()).toMatch(/API process \d+ exited \(SIGKILL\); starting another/);

    const children = childPids(api.pid);
    const stopped = await api.sigterm();
    expect(stopped, api.output().slice(-3000)).toEqual({ code: 0, signal: null });
    expect(children.filter((pid) => existsProcess(pid))).toEqual([]);
  }, 240_000);

  it("stops cleanly (exit 0) when told to stop while a replacement API process is still starting", async () => {
    const api = await spawnServer({ env: prefixed({ ...env, ROLE: "api", API_PROCESSES: "2", LOG_LEVEL: "warn" }) });
    servers.push(api);
    const [victim, survivor] = childPids(api.pid);
    process.kill(victim!, "SIGKILL");
    // The replacement is forked a second later; stop the whole set while it is still loading.
    let starting: number | undefined;
    await waitFor(async () => (starting = childPids(api.pid).find((pid) => pid !== survivor && pid !== victim)) !== undefined, 30_000, 20);
    const stopped = await api.sigterm();
    expect(stopped, api.output().slice(-3000)).toEqual({ code: 0, signal: null });
    expect(existsProcess(starting!)).toBe(false);
  }, 120_000);

  it("leaves no API process behind when the primary is killed -9 (node:cluster ends a worker whose primary is gone)", async () => {
    const api = await spawnServer({ env: prefixed({ ...env, ROLE: "api", API_PROCESSES: "2" }) });
    servers.push(api);
    const children = childPids(api.pid);
    expect(children).toHaveLength(2);
    await api.kill9();
    await waitFor(async () => children.every((pid) => !existsProcess(pid)), 30_000, 200);
  }, 120_000);

  it("stops every process and exits non-zero when one cannot start", async () => {
    const settings = prefixed({ ...env, ROLE: "api", API_PROCESSES: "2", LOG_LEVEL: "warn", PORT: "0", PG_URL: "postgres://intraday:intraday@127.0.0.1:1/intraday" });
    const childEnv = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("INTRADAY_"))), ...settings };
    const primary = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], { cwd: fileURLToPath(new URL("../../", import.meta.url)), env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    primary.stdout.on("data", (d: Buffer) => (out += d.toString()));
    primary.stderr.on("data", (d: Buffer) => (out += d.toString()));
    // "close": the process has exited and its output is all read.
    const code = await new Promise<number | null>((resolve) => primary.once("close", (c) => resolve(c)));
    expect(code).toBe(1);
    expect(out).toContain("Cassandra/PostgreSQL is not reachable");
    expect(out).toMatch(/API process \d+ exited \(1\) before it listened; stopping the others/);
    expect(out).not.toContain("listening on");
    expect(childPids(primary.pid!)).toEqual([]);
  }, 120_000);
});

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    /* already gone */
  }
}

function existsProcess(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}
