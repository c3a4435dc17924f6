import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface AppProcess {
  name: string;
  url: string;
  child: ChildProcess;
  output(): string;
  kill9(): Promise<void>;
  sigterm(): Promise<void>;
}

/** Starts the real server (`tsx src/main.ts`) with these INTRADAY_* settings and waits until it listens. */
export async function startApp(
  name: string,
  settings: Record<string, string>,
  onUnexpectedExit: (name: string, how: string, output: string) => void = () => undefined,
  timeoutMs = 120_000,
): Promise<AppProcess> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("INTRADAY_")) env[k] = v;
  for (const [k, v] of Object.entries({ PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "warn", ...settings })) env[`INTRADAY_${k}`] = v;
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  // INTRADAY_CHAOS_LOG_DIR keeps each instance's whole output (for a failed run's diagnosis).
  const logDir = process.env.INTRADAY_CHAOS_LOG_DIR;
  const file = logDir ? createWriteStream(`${logDir}/${name}-${child.pid}.log`, { flags: "a" }) : null;
  const take = (d: Buffer) => {
    out = (out + d.toString()).slice(-200_000);
    file?.write(d);
  };
  child.stdout!.on("data", take);
  child.stderr!.on("data", take);
  child.once("exit", () => file?.end());
  let stopping = false;
  const exited = new Promise<void>((r) =>
    child.once("exit", (code, signal) => {
      if (!stopping) onUnexpectedExit(name, signal ? `signal ${signal}` : `exit code ${code}`, out.slice(-20_000));
      r();
    }),
  );
  const alive = () => child.exitCode === null && child.signalCode === null;
  const stop = async (signal: NodeJS.Signals) => {
    stopping = true;
    if (alive()) child.kill(signal);
    await exited;
  };
  const deadline = Date.now() + timeoutMs;
  let url = "";
  while (!url) {
    const m = /listening on (http:\/\/[^\s]+)/.exec(out);
    if (m) url = m[1]!;
    else if (!alive()) throw new Error(`${name} exited before listening:\n${out}`);
    else if (Date.now() > deadline) {
      await stop("SIGKILL");
      throw new Error(`${name} did not listen within ${timeoutMs} ms:\n${out}`);
    } else await sleep(100);
  }
  return { name, url, child, output: () => out, kill9: () => stop("SIGKILL"), sigterm: () => stop("SIGTERM") };
}
