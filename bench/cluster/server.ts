import { createWriteStream } from "node:fs";
/** The real server (`node --import tsx src/main.ts`, cluster mode) as a child process, with an optional CPU profiler over the inspector protocol. */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { serverEntry } from "../http.ts";

/** Where the server runs from: this checkout, or BENCH_SERVER_ROOT (a copy with a change to compare, same run). */
const ROOT = process.env.BENCH_SERVER_ROOT ?? fileURLToPath(new URL("../../", import.meta.url));

export interface Server {
  proc: ChildProcess;
  url: string;
  output(): string;
  /** Present when started with `inspect`: V8 CPU profiles of chosen stretches of the run. */
  profiler: Profiler | null;
  stop(): Promise<number | null>;
}

/** `logFile`: the server's whole stdout and stderr also go to this file (long runs: what happened when). */
export async function startServer(env: Record<string, string>, opts: { inspect?: boolean; readyTimeoutMs?: number; logFile?: string } = {}): Promise<Server> {
  const childEnv: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("INTRADAY_")) childEnv[k] = v;
  // BENCH_SERVER_SETTINGS: extra settings for the server, "NAME=value …" without the INTRADAY_ prefix (A/B of a setting).
  const extraSettings = Object.fromEntries((process.env.BENCH_SERVER_SETTINGS ?? "").split(/\s+/).filter(Boolean).map((kv) => kv.split("=", 2) as [string, string]));
  for (const [k, v] of Object.entries({ HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "warn", ...env, ...extraSettings })) childEnv[`INTRADAY_${k}`] = v;
  // BENCH_SERVER_NODE_FLAGS: extra node flags for the server only, e.g. "--cpu-prof --cpu-prof-dir=/tmp/p" (a profile
  // per thread, the consumer workers' included, which the inspector profile of --profile does not see).
  const extra = (process.env.BENCH_SERVER_NODE_FLAGS ?? "").split(/\s+/).filter(Boolean);
  const args = [...extra, ...(opts.inspect ? ["--inspect=127.0.0.1:0"] : []), ...serverEntry()];
  const proc = spawn(process.execPath, args, { cwd: ROOT, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const keep = (d: Buffer) => (out = (out + d.toString()).slice(-20_000));
  proc.stdout!.on("data", keep);
  proc.stderr!.on("data", keep);
  if (opts.logFile) {
    const file = createWriteStream(opts.logFile);
    proc.stdout!.pipe(file, { end: false });
    proc.stderr!.pipe(file, { end: false });
    proc.once("exit", () => file.end());
  }
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill("SIGTERM");
      const t = setTimeout(() => proc.kill("SIGKILL"), 30_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    }
    return proc.exitCode;
  };
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 120_000);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  let url = "";
  try {
    while (!url) {
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) url = m[1]!;
      else if (proc.exitCode !== null) throw new Error(`server exited (${proc.exitCode}) before listening:\n${out}`);
      else if (Date.now() > deadline) throw new Error(`server did not listen in time:\n${out}`);
      else await sleep(50);
    }
    for (;;) {
      // An API-only instance (ROLE=api) never reports ready: /readyz requires processing to run (see the report). Its /healthz is enough here.
      const ok = await fetch(`${url}${env.ROLE === "api" ? "/healthz" : "/readyz"}`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`server not ready in time:\n${out}`);
      await sleep(100);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  let profiler: Profiler | null = null;
  if (opts.inspect) {
    const m = /Debugger listening on (ws:\/\/\S+)/.exec(out);
    if (!m) throw new Error(`no inspector URL in the server output:\n${out}`);
    profiler = await Profiler.connect(m[1]!);
  }
  return { proc, url, output: () => out, profiler, stop: async () => { await profiler?.close(); return stop(); } };
}

/** Just enough of the Chrome DevTools protocol to start and stop the V8 sampling profiler. */
export class Profiler {
  private id = 0;
  private readonly waiting = new Map<number, (r: { result?: unknown; error?: unknown }) => void>();
  private constructor(private readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const msg = JSON.parse(data.toString()) as { id?: number; result?: unknown; error?: unknown };
      if (msg.id !== undefined) this.waiting.get(msg.id)?.(msg);
    });
  }

  static async connect(url: string): Promise<Profiler> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    const p = new Profiler(ws);
    await p.call("Profiler.enable");
    await p.call("Profiler.setSamplingInterval", { interval: 500 });
    return p;
  }

  call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = ++this.id;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (r) => {
        this.waiting.delete(id);
        if (r.error) reject(new Error(`${method}: ${JSON.stringify(r.error)}`));
        else resolve(r.result);
      });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  start(): Promise<unknown> {
    return this.call("Profiler.start");
  }

  /** Stops the profiler and returns the .cpuprofile JSON. */
  async stop(): Promise<unknown> {
    const r = (await this.call("Profiler.stop")) as { profile: unknown };
    return r.profile;
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close();
  }
}
