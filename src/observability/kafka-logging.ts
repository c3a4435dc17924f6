import { logLevel, type logCreator } from "kafkajs";
import { logger } from "./logger.ts";
import { throttledErrors } from "./throttled-log.ts";

/** Broker answers kafkajs retries by itself (a group rebalancing, a coordinator still loading): not worth a line. */
const RETRIED = /coordinator is (loading|not available)|not aware of this member|rebalanc|Restarting the consumer|leadership election|NOT_COORDINATOR|There is no leader/i;

/**
 * Warnings about choices made on purpose. The ingest producer limits its retries so that a request
 * fails fast with 503 (its producer is then replaced, and processing dedupes what a retry appends
 * twice); kafkajs warns about it every time such a producer is created.
 */
const BY_DESIGN = /Limiting retries for the idempotent producer/;

/** kafkajs log lines, throttled, at their own level (ERROR as error, WARN as warn), with the retriable and by-design ones left out. */
export const kafkaLogCreator: logCreator = () => {
  const errors = throttledErrors("[kafka]");
  const warnings = throttledErrors("[kafka]", 10_000, (line) => logger.warn(line));
  return ({ level, log }) => {
    if (level > logLevel.WARN) return;
    const { message, error } = log as { message: string; error?: string };
    const text = error ? `${message}: ${error}` : message;
    if (RETRIED.test(text) || BY_DESIGN.test(text)) return;
    (level === logLevel.ERROR ? errors : warnings)(text);
  };
};
