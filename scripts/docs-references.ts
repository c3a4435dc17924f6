import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

/**
 * Keeps the docs honest: every repository path a doc names in backticks or links to exists, every
 * ALL_CAPS name it quotes (settings, error codes, environment variables) occurs in the code, and
 * every folder tree lists exactly the folders that exist. Run by test/docs-references.unit.spec.ts.
 */

export interface StaleReference {
  doc: string;
  line: number;
  ref: string;
  problem: string;
}

/** Top-level folders whose paths are checked when a doc quotes them in backticks. */
const REPO_DIRS = ["src", "test", "bench", "scripts", "docs", "airflow", "superset", "docker", ".ci"];
const PATH_SPAN = new RegExp(`^(?:\\./)?(?:${REPO_DIRS.map((d) => d.replace(".", "\\.")).join("|")})/[^\\s]*$`);
const NAME_SPAN = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;
const LINK = /\]\(([^)\s]+)\)/g;
const SPAN = /`([^`\n]+)`/g;

/** `a/{b,c}.ts` → `a/b.ts`, `a/c.ts` (one level of braces, as docs write them). */
export function expandBraces(path: string): string[] {
  const m = /\{([^{}]*)\}/.exec(path);
  if (!m) return [path];
  return m[1]!.split(",").flatMap((alt) => expandBraces(path.slice(0, m.index) + alt + path.slice(m.index + m[0].length)));
}

/** Whether `path` (relative to root) exists; `*` and `<placeholder>` match any name within one segment. */
export function pathExists(root: string, path: string): boolean {
  const segments = path.split("/").filter((s) => s !== "" && s !== ".");
  const walk = (dir: string, rest: string[]): boolean => {
    if (rest.length === 0) return true;
    const [seg, ...tail] = rest as [string, ...string[]];
    if (!/[*<]/.test(seg)) return existsSync(join(dir, seg)) && walk(join(dir, seg), tail);
    if (!isDir(dir)) return false;
    const pattern = new RegExp(`^${seg.split(/\*|<[^>]*>/).map(escapeRegExp).join(".*")}$`);
    return readdirSync(dir).some((name) => pattern.test(name) && walk(join(dir, name), tail));
  };
  return walk(root, segments);
}

function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Strips what follows a path in prose: `file.ts:12`, `file.md#anchor`. */
function bare(ref: string): string {
  return ref.replace(/#.*$/, "").replace(/:\d+(?:-\d+)?$/, "");
}

/** Files git would ignore are written by runs (bench/results/…), so a doc may name them before they exist. */
export type IsGenerated = (path: string) => boolean;

export function gitIgnored(root: string): IsGenerated {
  const ignoreLines = readFileSync(join(root, ".gitignore"), "utf8").split("\n").map((l) => l.trim().replace(/^\//, ""));
  return (path) => {
    // a folder that only holds ignored output (`bench/results/` for `bench/results/*.json`)
    if (path.endsWith("/") && ignoreLines.some((l) => l.startsWith(path))) return true;
    try {
      execFileSync("git", ["check-ignore", "-q", "--no-index", path.replace(/\*|<[^>]*>/g, "x")], { cwd: root, stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  };
}

/** Stale paths, links and names in one markdown document (`doc` relative to root). */
export function checkDocument(root: string, doc: string, text: string, knownNames: (name: string) => boolean, isGenerated: IsGenerated): StaleReference[] {
  const problems: StaleReference[] = [];
  const lines = text.split("\n");
  let inFence = false;
  lines.forEach((lineText, i) => {
    const line = i + 1;
    if (lineText.trimStart().startsWith("```")) {
      inFence = !inFence;
      return;
    }
    if (inFence) return; // commands and trees: trees are checked by checkTree
    for (const [, span] of lineText.matchAll(SPAN)) {
      const ref = span!.trim();
      if (PATH_SPAN.test(ref)) {
        const path = bare(ref).replace(/^\.\//, "");
        for (const p of expandBraces(path)) {
          if (!pathExists(root, p) && !isGenerated(p)) problems.push({ doc, line, ref, problem: `no such path: ${p}` });
        }
      } else if (NAME_SPAN.test(ref) && !knownNames(ref)) {
        problems.push({ doc, line, ref, problem: "name not found in the code" });
      }
    }
    for (const [, target] of lineText.matchAll(LINK)) {
      if (/^(?:[a-z]+:|#)/i.test(target!)) continue;
      const path = normalize(join(dirname(doc), bare(target!)));
      if (!pathExists(root, path) && !isGenerated(path)) problems.push({ doc, line, ref: target!, problem: `broken link: ${path}` });
    }
  });
  return problems;
}

/**
 * The folder trees (```-fenced lines drawn with ├── / └──) of a document: every entry must exist,
 * and every folder of `src/` down to two levels must be drawn.
 */
export function checkTree(root: string, doc: string, text: string): StaleReference[] {
  const problems: StaleReference[] = [];
  const drawn = new Set<string>();
  const missing = (line: number, path: string) => {
    if (!existsSync(join(root, path))) problems.push({ doc, line, ref: path, problem: "the tree shows a path that does not exist" });
  };
  let fence: { start: number; lines: string[] } | null = null;
  const fences: { start: number; lines: string[] }[] = [];
  text.split("\n").forEach((lineText, i) => {
    if (lineText.trimStart().startsWith("```")) {
      if (fence) fences.push(fence);
      fence = fence ? null : { start: i + 2, lines: [] };
    } else fence?.lines.push(lineText);
  });
  const trees = fences.filter((f) => f.lines.some((l) => /[├└]── /.test(l)));
  for (const tree of trees) {
    let stack: string[] = [];
    tree.lines.forEach((lineText, i) => {
      const line = tree.start + i;
      const entry = /^((?:[│ ] {3})*)[├└]── (\S+)/.exec(lineText);
      const rootEntry = /^([\w.-]+(?:\/[\w.-]+)*\/)(?:\s|$)/.exec(lineText);
      if (entry) {
        const depth = entry[1]!.length / 4;
        stack = stack.slice(0, depth + 1);
        const path = [...stack, entry[2]!].join("");
        missing(line, path);
        drawn.add(path.replace(/\/$/, ""));
        if (entry[2]!.endsWith("/")) stack[depth + 1] = entry[2]!;
      } else if (rootEntry) {
        stack = [rootEntry[1]!];
        missing(line, rootEntry[1]!);
      }
    });
  }
  if (trees.length === 0) return problems;
  for (const dir of foldersBelow(root, "src", 2)) {
    if (!drawn.has(dir)) problems.push({ doc, line: 0, ref: dir, problem: "folder missing from the tree" });
  }
  return problems;
}

function foldersBelow(root: string, dir: string, levels: number): string[] {
  if (levels === 0) return [];
  return readdirSync(join(root, dir), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => {
      const path = `${dir}/${d.name}`;
      return [path, ...foldersBelow(root, path, levels - 1)];
    });
}

/** Names other software defines (Kafka protocol errors the docs quote from kafkajs logs). */
const EXTERNAL_NAMES = new Set(["REBALANCE_IN_PROGRESS", "COORDINATOR_NOT_AVAILABLE", "COORDINATOR_LOAD_IN_PROGRESS"]);

/** Whether an ALL_CAPS name occurs in the tracked non-markdown files (a settings key counts with the INTRADAY_ prefix). */
export function namesInCode(root: string): (name: string) => boolean {
  const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard"], { cwd: root, encoding: "utf8" })
    .split("\n")
    .filter((f) => f && !f.endsWith(".md") && !/\.(png|jpg|zip|gz)$/.test(f) && existsSync(join(root, f)) && statSync(join(root, f)).isFile());
  const corpus = files.map((f) => readFileSync(join(root, f), "utf8")).join("\n");
  const words = new Set(corpus.match(/[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+/g) ?? []);
  return (name) => EXTERNAL_NAMES.has(name) || words.has(name) || (name.startsWith("INTRADAY_") && words.has(name.slice("INTRADAY_".length)));
}

/** Every stale reference in README.md and docs/*.md. */
export function staleReferences(root: string): StaleReference[] {
  const docs = ["README.md", ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
  const known = namesInCode(root);
  const generated = gitIgnored(root);
  return docs.flatMap((doc) => {
    const text = readFileSync(join(root, doc), "utf8");
    return [...checkDocument(root, doc, text, known, generated), ...checkTree(root, doc, text)];
  });
}

export function formatStale(r: StaleReference, root = "."): string {
  return `${relative(root, join(root, r.doc))}:${r.line}: ${r.ref} — ${r.problem}`;
}
