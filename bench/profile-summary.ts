/**
 * Summarises a V8 .cpuprofile: top functions by self time, and self time by area (file / native);
 * or a sampled allocation profile (.heapprofile, e.g. from bench/inproc.ts): bytes allocated by function.
 *   npx tsx bench/profile-summary.ts <file.cpuprofile|file.heapprofile> [top]
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

interface AllocationNode {
  callFrame: CallFrame;
  selfSize: number;
  children: AllocationNode[];
}

/** Bytes allocated per function (self), from a sampling heap profile that kept collected objects too. */
export function summariseAllocations(path: string, top = 20): { totalMB: number; functions: { name: string; where: string; selfMB: number; selfPct: number }[] } {
  const { head } = JSON.parse(readFileSync(path, "utf8")) as { head: AllocationNode };
  const bytes = new Map<string, { name: string; where: string; self: number }>();
  let total = 0;
  const walk = (n: AllocationNode) => {
    const { functionName, url, lineNumber } = n.callFrame;
    const name = functionName || "(anonymous)";
    const where = url ? `${area(url, name)}:${lineNumber + 1}` : area(url, name);
    const row = bytes.get(`${name}@${where}`) ?? { name, where, self: 0 };
    row.self += n.selfSize;
    bytes.set(`${name}@${where}`, row);
    total += n.selfSize;
    for (const c of n.children) walk(c);
  };
  walk(head);
  const functions = [...bytes.values()]
    .sort((a, b) => b.self - a.self)
    .slice(0, top)
    .map((r) => ({ name: r.name, where: r.where, selfMB: Number((r.self / 1e6).toFixed(1)), selfPct: Number(((100 * r.self) / total).toFixed(1)) }));
  return { totalMB: Number((total / 1e6).toFixed(1)), functions };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error("usage: npx tsx bench/profile-summary.ts <file.cpuprofile|file.heapprofile> [top]");
    process.exit(2);
  }
  if (file.endsWith(".heapprofile")) {
    const a = summariseAllocations(file, Number(top ?? 25));
    console.log(`allocated (sampled): ${a.totalMB} MB\n\ntop functions by bytes allocated:`);
    for (const f of a.functions) console.log(`  ${f.selfPct.toFixed(1).padStart(5)}%  ${f.selfMB.toFixed(1).padStart(7)} MB  ${f.name}  (${f.where})`);
    process.exit(0);
  }
  const s = summarise(file, Number(top ?? 25));
  console.log(`total sampled (excluding idle): ${s.totalMs} ms\n\nself time by area:`);
  for (const a of s.areas) console.log(`  ${a.selfPct.toFixed(1).padStart(5)}%  ${a.selfMs.toFixed(0).padStart(7)} ms  ${a.name}`);
  console.log("\ntop functions by self time:");
  for (const f of s.functions) console.log(`  ${f.selfPct.toFixed(1).padStart(5)}%  ${f.selfMs.toFixed(0).padStart(7)} ms  ${f.name}  (${f.where})`);
}
