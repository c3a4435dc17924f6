import { parseArgs } from "node:util";
import { loadSettings, settingsHelp, SettingsError } from "./config/settings.ts";
import { logger, setLogLevel } from "./observability/logger.ts";
import { isApiProcess, shareMetricsWithPrimary, superviseApiProcesses } from "./runtime/api-processes.ts";
import { installProcessGuards } from "./runtime/process-guards.ts";
import { startInstance } from "./runtime/topology.ts";

const USAGE = `Intraday Sales: real-time minute-level sales per store.

Usage: npm start [-- --help]

With no settings it runs everything in one process (ingest/API on the main thread, the consumers in a
worker thread) on the embedded log and stores under ./data and serves the live page at
http://127.0.0.1:3000/. Logs are JSON lines (pino) on stdout, level INTRADAY_LOG_LEVEL.
`;

/** Lifecycle lines for the person running the server (start, stop), printed whatever the log level. */
function say(line: string): void {
  process.stdout.write(line + "\n");
}

async function main(): Promise<void> {
  installProcessGuards({ log: (message, err) => logger.error({ err }, message) });
  const { values } = parseArgs({ options: { help: { type: "boolean", short: "h" } }, strict: true });
  if (values.help) {
    process.stdout.write(USAGE + "\n" + settingsHelp());
    return;
  }
  const settings = loadSettings();
  setLogLevel(settings.LOG_LEVEL);
  if (settings.API_PROCESSES > 1 && !isApiProcess()) process.exit(await superviseApiProcesses(settings, say));
  // One of several API processes: the primary announces the address and the stops, once for all.
  const tell = isApiProcess() ? (line: string) => logger.info(line) : say;
  const instance = await startInstance(settings);
  const { runtime } = instance;
  if (isApiProcess()) shareMetricsWithPrimary(runtime.metrics.registry);
  const address = await runtime.app.listen({ host: settings.HOST, port: settings.PORT });
  tell(`intraday-sales (${settings.MODE}) listening on ${address} — live page ${address}/, API docs ${address}/docs`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    tell(`${signal}: stopping ingest, flushing windows, committing offsets…`);
    const force = setTimeout(() => {
      logger.error(`shutdown took longer than ${settings.SHUTDOWN_TIMEOUT_MS} ms; exiting (uncommitted work replays on restart)`);
      process.exit(1);
    }, settings.SHUTDOWN_TIMEOUT_MS);
    force.unref();
    await instance.stop();
    tell("stopped cleanly");
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

main().catch((err: unknown) => {
  if (err instanceof SettingsError) logger.fatal(err.message);
  else if (err instanceof TypeError && (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) logger.fatal(`${err.message}\n${USAGE}`);
  else logger.fatal({ err }, "intraday-sales failed to start");
  process.exit(1);
});
