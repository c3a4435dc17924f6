import { pino, type Logger, type LevelWithSilent } from "pino";

export type { Logger };

const LEVELS: readonly LevelWithSilent[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

function levelFromEnv(env: NodeJS.ProcessEnv): LevelWithSilent {
  const raw = env.INTRADAY_LOG_LEVEL as LevelWithSilent | undefined;
  return raw && LEVELS.includes(raw) ? raw : "warn";
}

/**
 * The one root logger of the process (pino, JSON lines on stdout). Fastify uses it as its logger,
 * the consumers and CLIs take children of it (`logger.child({ component: "history" })`).
 * Its level starts from INTRADAY_LOG_LEVEL (settings.ts validates the value); `setLogLevel` applies
 * the validated setting once settings are loaded.
 */
export const logger: Logger = pino({ level: levelFromEnv(process.env), base: { service: "intraday-sales" } });

export function setLogLevel(level: LevelWithSilent): void {
  logger.level = level;
}

/** A child logger for one part of the system. */
export function componentLogger(component: string): Logger {
  return logger.child({ component });
}
