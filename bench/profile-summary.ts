/**
 * Summarises a V8 .cpuprofile: top functions by self time, and self time by area (file / native).
 *   npx tsx bench/profile-summary.ts <file.cpuprofile> [top]
 */
import { readFileSync } from "node:fs";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileRow {
  name: string;
  where: string;
  selfMs: number;
  selfPct: number;
}

function area(url: string, name: string): string {
  if (!url) return name.startsWith("(") ? name : "(native/builtin)";
  const u = url.replace(/^file:\/\//, "");
  const nm = u.lastIndexOf("node_modules/");
  if (nm >= 0) return u.slice(nm + 13).split("/").slice(0, u.slice(nm + 13).startsWith("@") ? 2 : 1).join("/");
  if (u.startsWith("node:")) return u;
  const m = /\/(src|bench|scripts)\/(.*)$/.exec(u);
  return m ? `${m[1]}/${m[2]}` : u;
}

export function summarise(path: string, top = 20): { totalMs: number; functions: ProfileRow[]; areas: ProfileRow[] } {
  const p = JSON.parse(readFileSync(path, "utf8")) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
  let total = 0;
  const fns = new Map<string, ProfileRow>();
  const areas = new Map<string, ProfileRow>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const { functionName, url, lineNumber } = n.callFrame;
    if (functionName === "(idle)") continue;
    total += us;
    const name = functionName || "(anonymous)";
    const a = area(url, name);
    const key = `${name}@${a}:${lineNumber + 1}`;
    const f = fns.get(key) ?? { name, where: url ? `${a}:${lineNumber + 1}` : a, selfMs: 0, selfPct: 0 };
    f.selfMs += us / 1000;
    fns.set(key, f);
    const r = areas.get(a) ?? { name: a, where: "", selfMs: 0, selfPct: 0 };
    r.selfMs += us / 1000;
    areas.set(a, r);
  }
  const fin = (rows: Iterable<ProfileRow>) =>
    [...rows]
      .map((r) => ({ ...r, selfMs: Number(r.selfMs.toFixed(1)), selfPct: Number(((r.selfMs / (total / 1000)) * 100).toFixed(1)) }))
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, top);
  return { totalMs: Number((total / 1000).toFixed(1)), functions: fin(fns.values()), areas: fin(areas.values()) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error("usage: npx tsx bench/profile-summary.ts <file.cpuprofile> [top]");
    process.exit(2);
  }
  const s = summarise(file, Number(top ?? 25));
  console.log(`total sampled (excluding idle): ${s.totalMs} ms\n\nself time by area:`);
  for (const a of s.areas) console.log(`  ${a.selfPct.toFixed(1).padStart(5)}%  ${a.selfMs.toFixed(0).padStart(7)} ms  ${a.name}`);
  console.log("\ntop functions by self time:");
  for (const f of s.functions) console.log(`  ${f.selfPct.toFixed(1).padStart(5)}%  ${f.selfMs.toFixed(0).padStart(7)} ms  ${f.name}  (${f.where})`);
}
