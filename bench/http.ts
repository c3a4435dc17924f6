/** HTTP bench helpers: a server in a child process (own event loop) and autocannon against it. */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";

export interface Child {
  proc: ChildProcess;
  url: string;
  dataDir: string | null;
  stop(): Promise<void>;
}

async function waitReady(url: string, proc: ChildProcess, log: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}:\n${log()}`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server not ready at ${url} within ${timeoutMs} ms:\n${log()}`);
}

function startChild(args: string[], env: NodeJS.ProcessEnv, readyUrl: string, dataDir: string | null, cwd?: string): Promise<Child> {
  const proc = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], ...(cwd ? { cwd } : {}) });
  let out = "";
  proc.stdout!.on("data", (c: Buffer) => (out = (out + c.toString()).slice(-4000)));
  proc.stderr!.on("data", (c: Buffer) => (out = (out + c.toString()).slice(-4000)));
  const stop = async () => {
    if (proc.exitCode === null) {
      const exited = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGTERM");
      const t = setTimeout(() => proc.kill("SIGKILL"), 20_000);
      await exited;
      clearTimeout(t);
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  return waitReady(readyUrl, proc, () => out).then(
    () => ({ proc, url: new URL(readyUrl).origin, dataDir, stop }),
    async (err: unknown) => {
      await stop();
      throw err;
    },
  );
}

/**
 * How the server is started: `--import tsx src/main.ts` as `npm start` does, or the compiled build
 * when BENCH_SERVER_ENTRY names it (e.g. dist/main.js after `npm run build`, as the image runs it).
 */
export function serverEntry(): string[] {
  const built = process.env.BENCH_SERVER_ENTRY;
  return built ? [built] : ["--import", "tsx", "src/main.ts"];
}

/** `npm start` on the embedded default (temp data dir), as a child process; from another checkout when `root` is given (A/B of a change). */
export function startIntraday(port: number, extraArgs: string[] = [], env: Record<string, string> = {}, root?: string): Promise<Child> {
  const dataDir = mkdtempSync(join(tmpdir(), "intraday-bench-"));
  // BENCH_SERVER_NODE_FLAGS: extra node flags for the server only (A/B of e.g. --max-semi-space-size).
  const serverFlags = (process.env.BENCH_SERVER_NODE_FLAGS ?? "").split(" ").filter(Boolean);
  return startChild(
    [...serverFlags, ...extraArgs, ...serverEntry()],
    { INTRADAY_PORT: String(port), INTRADAY_DATA_DIR: dataDir, INTRADAY_LOG_LEVEL: "warn", ...env },
    `http://127.0.0.1:${port}/readyz`,
    dataDir,
    root,
  );
}

/** The trivial Fastify server of bench/trivial-server.ts. */
export function startTrivial(port: number): Promise<Child> {
  return startChild(["--import", "tsx", "bench/trivial-server.ts"], { BENCH_PORT: String(port) }, `http://127.0.0.1:${port}/`, null);
}

export interface LoadResult {
  requestsPerSecond: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latencyMs: { p50: number; p99: number; max: number };
  seconds: number;
  connections: number;
  pipelining: number;
}

export async function load(opts: {
  url: string;
  method?: "GET" | "POST";
  connections: number;
  pipelining: number;
  seconds: number;
  body?: () => string;
  onTick?: (requestsSoFar: number) => void;
}): Promise<LoadResult> {
  const instance = autocannon({
    url: opts.url,
    connections: opts.connections,
    pipelining: opts.pipelining,
    duration: opts.seconds,
    timeout: 30,
    requests: [
      opts.body
        ? {
            method: opts.method ?? "POST",
            headers: { "content-type": "application/json" },
            setupRequest: (req: Record<string, unknown>) => ({ ...req, body: opts.body!() }),
          }
        : { method: opts.method ?? "GET" },
    ],
  });
  let n = 0;
  instance.on("response", () => n++);
  const timer = setInterval(() => opts.onTick?.(n), 1000);
  const r = await instance;
  clearInterval(timer);
  return {
    requestsPerSecond: r.requests.total / (r.duration || opts.seconds),
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    latencyMs: { p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max },
    seconds: r.duration,
    connections: opts.connections,
    pipelining: opts.pipelining,
  };
}

/** Sum of a Prometheus counter (all label sets) from /metrics. */
export async function metricSum(base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(name) && (line[name.length] === " " || line[name.length] === "{")) sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

/**
 * CPU time a process has used, in ms: all its threads and its child processes, and its main thread alone (Linux /proc; null
 * elsewhere). On a shared machine the wall-clock rate moves with everyone else's load; CPU spent per
 * event by the server does much less, so A/B pairs are read on it.
 */
export function cpuMs(pid: number | undefined): { process: number; main: number } | null {
  if (pid === undefined) return null;
  const stat = (path: string): string[] => {
    const text = readFileSync(path, "utf8");
    return text.slice(text.lastIndexOf(")") + 2).split(" ");
  };
  const ticks = (fields: string[]) => Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14 and 15 of stat(5))
  try {
    // Its live child processes too (INTRADAY_API_PROCESSES forks the API processes).
    let children = 0;
    for (const p of readdirSync("/proc")) {
      if (!/^\d+$/.test(p) || p === String(pid)) continue;
      try {
        const f = stat(`/proc/${p}/stat`);
        if (Number(f[1]) === pid) children += ticks(f);
      } catch {
        /* exited meanwhile */
      }
    }
    return { process: ((ticks(stat(`/proc/${pid}/stat`)) + children) * 1000) / CLOCK_TICKS, main: (ticks(stat(`/proc/${pid}/task/${pid}/stat`)) * 1000) / CLOCK_TICKS };
  } catch {
    return null;
  }
}
/** USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK). */
const CLOCK_TICKS = 100;
