import { loadSettings, settingsHelp, SettingsError } from "./config/settings.ts";
import { startInstance } from "./runtime/topology.ts";

const USAGE = `Intraday Sales: real-time minute-level sales per store.

Usage: npm start [-- --help]

With no settings it runs everything in one process (ingest/API on the main thread, the consumers in a
worker thread) on the embedded log and stores under ./data
and serves the live page at http://127.0.0.1:3000/.
`;

async function main(): Promise<void> {
  if (process.argv.includes("--help") || process.argv.includes("-h")) {
    process.stdout.write(USAGE + "\n" + settingsHelp());
    return;
  }
  const settings = loadSettings();
  const instance = await startInstance(settings);
  const { runtime } = instance;
  const address = await runtime.app.listen({ host: settings.HOST, port: settings.PORT });
  console.log(`intraday-sales (${settings.MODE}) listening on ${address} — live page ${address}/, API docs ${address}/docs`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping ingest, flushing windows, committing offsets…`);
    const force = setTimeout(() => {
      console.error(`shutdown took longer than ${settings.SHUTDOWN_TIMEOUT_MS} ms; exiting (uncommitted work replays on restart)`);
      process.exit(1);
    }, settings.SHUTDOWN_TIMEOUT_MS);
    force.unref();
    await instance.stop();
    console.log("stopped cleanly");
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

main().catch((err) => {
  if (err instanceof SettingsError) console.error(err.message);
  else console.error("intraday-sales failed to start:", err);
  process.exit(1);
});
