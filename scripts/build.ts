/**
 * Compiles src/ to plain JavaScript (what the image runs: `node dist/main.js`, no TypeScript loader
 * in the main thread nor in the worker threads) and copies beside it the files that are not
 * TypeScript (migrations, the live page).
 *   npm run build [-- --out DIR]   (default dist/)
 */
import { cpSync, rmSync, statSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { out: { type: "string", default: "dist" } } });
const out = resolve(values.out!);
const started = Date.now();
rmSync(out, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json", "--outDir", out], { stdio: "inherit" });
const isSource = (path: string) => path.endsWith(".ts") || path.endsWith(".vector.json");
cpSync("src", out, { recursive: true, filter: (path) => statSync(path).isDirectory() || !isSource(path) });
console.log(`built src/ into ${out} in ${((Date.now() - started) / 1000).toFixed(1)} s; run it with: node ${values.out}/main.js`);
