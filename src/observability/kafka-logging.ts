import { logLevel, type logCreator } from "kafkajs";
import { throttledErrors } from "./throttled-log.ts";

/** Broker answers kafkajs retries by itself (a group rebalancing, a coordinator still loading): not worth an ERROR line. */
const RETRIED = /coordinator is (loading|not available)|not aware of this member|rebalanc|Restarting the consumer|leadership election|NOT_COORDINATOR|There is no leader/i;

/** kafkajs log lines, throttled, with the retriable ones left out. */
export const kafkaLogCreator: logCreator = () => {
  const report = throttledErrors("[kafka]");
  return ({ level, log }) => {
    if (level > logLevel.WARN) return;
    const { message, error } = log as { message: string; error?: string };
    const text = error ? `${message}: ${error}` : message;
    if (RETRIED.test(text)) return;
    report(text);
  };
};
