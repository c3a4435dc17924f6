import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

/** Debian's chromium; CHROMIUM_PATH overrides. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

// Flags this closed network needs: no sandbox in containers, no background calls home.
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** Launches headless Chromium, failing loudly (never skipping) when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. The live-page e2e test needs it: install Debian's package with ` +
        "`sudo apt-get update && sudo apt-get install -y chromium` (or set CHROMIUM_PATH to a Chromium/Chrome binary).",
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS });
}
