import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The repository root: the server runs from here as `npm start` would (`tsx src/main.ts`). */
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  pid: number;
  output(): string;
  /** Resolves with the exit code and signal once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL: no chance to flush or commit anything. */
  kill9(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM: the graceful stop (stop ingest, flush, commit, close). */
  sigterm(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ServerProcess>();

/**
 * Spawns the real server (`node --import tsx src/main.ts`, or `node <entry>`) with the given INTRADAY_* settings and
 * port 0, reads the bound address from its banner and waits for /readyz. Only our own INTRADAY_*
 * settings reach the child.
 */
export async function spawnServer(opts: { env: Record<string, string>; readyTimeoutMs?: number; entry?: string[] }): Promise<ServerProcess> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("INTRADAY_")) env[k] = v;
  Object.assign(env, { INTRADAY_PORT: "0", INTRADAY_HOST: "127.0.0.1", INTRADAY_LOG_LEVEL: "warn" }, opts.env);
  const child = spawn(process.execPath, opts.entry ?? ["--import", "tsx", "src/main.ts"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  const proc: ServerProcess = {
    child,
    url: "",
    pid: child.pid!,
    output: () => out,
    exited,
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      return exited;
    },
    async sigterm() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
  running.add(proc);
  void exited.then(() => running.delete(proc));

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  let url = "";
  while (!url) {
    const m = /listening on (http:\/\/[^\s]+)/.exec(out);
    if (m) url = m[1]!;
    else if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited before listening:\n${out}`);
    else if (Date.now() > deadline) {
      await proc.kill9();
      throw new Error(`server did not start within the timeout:\n${out}`);
    } else await sleep(50);
  }
  proc.url = url;
  for (;;) {
    try {
      const r = await fetch(`${url}/readyz`);
      if (r.status === 200) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) {
      await proc.kill9();
      throw new Error(`server not ready within the timeout:\n${out}`);
    }
    await sleep(50);
  }
  return proc;
}

/** Kills (SIGKILL) every server this helper started that is still running: for afterAll/afterEach. */
export async function killAllSpawned(): Promise<void> {
  await Promise.all([...running].map((p) => p.kill9()));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
