import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkDocument, checkTree, expandBraces, formatStale, pathExists, staleReferences } from "../scripts/docs-references.ts";

const ROOT = new URL("../", import.meta.url).pathname;

describe("README.md and docs/*.md", () => {
  it("name only paths, links, settings and codes that exist, and draw the folder tree as it is", () => {
    expect(staleReferences(ROOT).map((r) => formatStale(r, ROOT))).toEqual([]);
  });
});

describe("the docs reference check", () => {
  const root = mkdtempSync(join(tmpdir(), "docs-refs-"));
  mkdirSync(join(root, "src/a/b"), { recursive: true });
  mkdirSync(join(root, "src/c"), { recursive: true });
  writeFileSync(join(root, "src/a/one.ts"), "export const GRACE_MS = 1;");
  writeFileSync(join(root, "src/a/two.ts"), "");
  const known = (name: string) => name === "GRACE_MS";
  const none = () => false;

  it.each([
    ["`src/a/one.ts`", []],
    ["`src/a/one.ts:12`", []],
    ["`src/a/{one,two}.ts`", []],
    ["`src/a/*.ts`", []],
    ["`src/a/<name>.ts`", []],
    ["[a](src/a/one.ts#top)", []],
    ["[site](https://example.com/x)", []],
    ["`GRACE_MS`", []],
    ["`src/log/one.ts`", ["no such path: src/log/one.ts"]],
    ["`src/a/{one,three}.ts`", ["no such path: src/a/three.ts"]],
    ["`src/a/*.js`", ["no such path: src/a/*.js"]],
    ["[a](src/gone.md)", ["broken link: src/gone.md"]],
    ["`TICK_INTERVAL_MS`", ["name not found in the code"]],
    ["```\n`src/gone.ts` inside a fence is a command, not a reference\n```", []],
  ])("%s → %j", (text, problems) => {
    expect(checkDocument(root, "README.md", text, known, none).map((p) => p.problem)).toEqual(problems);
  });

  it("expands braces and matches placeholders within one segment", () => {
    expect(expandBraces("x/{a,b}/{c,d}.ts")).toEqual(["x/a/c.ts", "x/a/d.ts", "x/b/c.ts", "x/b/d.ts"]);
    expect(pathExists(root, "src/*/one.ts")).toBe(true);
    expect(pathExists(root, "src/*/three.ts")).toBe(false);
  });

  it("finds tree entries that do not exist and folders the tree leaves out", () => {
    const tree = ["```", "src/", "├── a/           the a", "│   ├── b/       nested", "│   └── gone.ts  renamed away", "└── z/           never existed", "```"].join("\n");
    expect(checkTree(root, "README.md", tree).map((p) => `${p.ref}: ${p.problem}`)).toEqual([
      "src/a/gone.ts: the tree shows a path that does not exist",
      "src/z/: the tree shows a path that does not exist",
      "src/c: folder missing from the tree",
    ]);
  });
});
