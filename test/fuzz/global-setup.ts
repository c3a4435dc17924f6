import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Installs the pinned schemathesis into its venv once (scripts/schemathesis.sh install is idempotent). */
export default function setup(): void {
  execFileSync("bash", ["scripts/schemathesis.sh", "install"], { cwd: fileURLToPath(new URL("../../", import.meta.url)), stdio: "inherit" });
}
