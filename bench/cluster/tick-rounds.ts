/**
 * POST → tick latency in rounds against one server, so warm-up and steady state show apart, with
 * the CPU each thread of the server and each service spent per POST (at a low rate, a machine
 * like this one spends most of it waking threads up, not on the events).
 *   npx tsx bench/cluster/tick-rounds.ts [rounds = 4] [seconds = 10] [rate = 200] [--embedded]
 * --embedded: the embedded default (`npm start` on a temp data dir) instead of the real stack.
 * Extra server settings: BENCH_SERVER_SETTINGS="KEY=value ...".
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "./server.ts";
import { isolate, servicePids, servicesCpuMs, servicesUp } from "./stack.ts";
import { tickLatency } from "./latency.ts";

const embedded = process.argv.includes("--embedded");
const [rounds = 4, seconds = 10, rate = 200] = process.argv.slice(2).filter((a) => a !== "--embedded").map(Number);

/** CPU ms of each thread of a process, by thread name (node names its workers' threads alike: numbered by tid order). */
function threadCpuMs(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.set(`${name}#${tid}`, ((Number(f[11]) + Number(f[12])) * 1000) / 100);
    } catch {
      /* exited */
    }
  }
  return out;
}

const dataDir = embedded ? mkdtempSync(join(tmpdir(), "intraday-tick-rounds-")) : null;
if (!embedded) await servicesUp();
const iso = embedded ? null : await isolate(6);
// Taken once: `services.sh status` starts a JVM to probe Kafka, which would land inside the rounds it measures.
const pids = embedded ? {} : servicePids();
const server = await startServer(iso ? { ...iso.env, ROLE: "all" } : { MODE: "embedded", DATA_DIR: dataDir! });
try {
  for (let r = 1; r <= rounds; r++) {
    const threads0 = threadCpuMs(server.proc.pid!);
    const services0 = embedded ? {} : servicesCpuMs(pids);
    const t = await tickLatency(server.url, { rate, seconds, tag: `tr${Date.now().toString(36)}r${r}` });
    const threads1 = threadCpuMs(server.proc.pid!);
    const services1: Record<string, number> = embedded ? {} : servicesCpuMs(pids);
    const perPost = (ms: number) => ((ms * 1000) / t.posts).toFixed(0);
    console.log(`round ${r}: tick p50 ${t.tickMs.p50} p90 ${t.tickMs.p90} p99 ${t.tickMs.p99} max ${t.tickMs.max} ms; ack p50 ${t.postAckMs.p50} p99 ${t.postAckMs.p99} ms; ${t.ticksMatched}/${t.posts}`);
    const busy = [...threads1].map(([k, v]) => [k, v - (threads0.get(k) ?? 0)] as const).filter(([, d]) => d > 0).sort((a, b) => b[1] - a[1]);
    console.log(`  server threads, µs per POST: ${busy.slice(0, 8).map(([k, d]) => `${k} ${perPost(d)}`).join(", ")}`);
    console.log(`  services, µs per POST: ${Object.keys(services1).map((k) => `${k} ${perPost(services1[k]! - (services0[k] ?? 0))}`).join(", ")}`);
  }
} finally {
  await server.stop();
  await iso?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
