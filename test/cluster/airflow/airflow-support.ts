import { spawn, spawnSync } from "node:child_process";
import { expect } from "vitest";

/** The environment the local Airflow runs with (scripts/services/services.sh env airflow). */
export function airflowEnv(): Record<string, string> {
  const r = spawnSync("bash", ["scripts/services/services.sh", "env", "airflow"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`services.sh env airflow failed: ${r.stderr}`);
  return Object.fromEntries(
    r.stdout
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

/** Process env without the caller's INTRADAY_* settings (the DAG's intraday_env carries them). */
function baseEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("INTRADAY_") || k === "INTRADAY_SERVICES_DIR")) as Record<string, string>;
}

/**
 * `airflow dags test <dag> -c <conf>`: runs the DAG in-process against Airflow's metadata database,
 * without the scheduler. Resolves with the output once the run has finished; fails unless it succeeded.
 */
export async function dagsTest(dagId: string, conf: Record<string, unknown>): Promise<string> {
  const af = airflowEnv();
  const child = spawn(`${af.AIRFLOW_VENV}/bin/airflow`, ["dags", "test", dagId, "-c", JSON.stringify(conf)], {
    env: { ...baseEnv(), ...af, PATH: `${af.AIRFLOW_VENV}/bin:${process.env.PATH}` },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const finished = /DagRun Finished: dag_id=(\S+),.*?state=(\w+)/.exec(out);
  if (code !== 0 || finished?.[2] !== "success") throw new Error(`airflow dags test ${dagId} failed (exit ${code}, state ${finished?.[2]}):\n${out.slice(-6000)}`);
  expect(finished[1]).toBe(`${dagId}`);
  return out;
}

/** The JSON summary the CLI printed (the task log line that parses as a JSON object with the key). */
export function summaryOf<T>(output: string, key: string): T {
  for (const line of output.split("\n").reverse()) {
    const m = /\[info\s*\]\s+(\{.*\})\s+\[airflow\.task/.exec(line);
    if (!m) continue;
    try {
      const v = JSON.parse(m[1]!) as Record<string, unknown>;
      if (key in v) return v as T;
    } catch {
      /* not the summary */
    }
  }
  throw new Error(`no JSON summary with "${key}" in the task output:\n${output.slice(-3000)}`);
}

/** Airflow's REST API as the admin (POST /auth/token). */
export class AirflowApi {
  private token = "";
  constructor(private readonly base: string, private readonly user: string, private readonly password: string) {}

  async login(): Promise<void> {
    const r = await fetch(`${this.base}/auth/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: this.user, password: this.password }) });
    if (r.status !== 201 && r.status !== 200) throw new Error(`POST /auth/token: ${r.status} ${await r.text()}`);
    this.token = ((await r.json()) as { access_token: string }).access_token;
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await fetch(`${this.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
    return (await r.json()) as T;
  }
}
