import { spawnSync } from "node:child_process";
import type { TestProject } from "vitest/node";

/**
 * Real services for the cluster tests. Default: the project's local scripts (services.sh up,
 * idempotent). INTRADAY_TEST_SERVICES=testcontainers gets them from testcontainers instead (needs
 * a Docker engine); =external uses whatever the INTRADAY_* connection settings point at.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const mode = process.env.INTRADAY_TEST_SERVICES ?? "local";
  let teardown = async () => {};
  let env: Record<string, string> = {
    KAFKA_BROKERS: process.env.INTRADAY_KAFKA_BROKERS ?? "127.0.0.1:9092",
    CASSANDRA_CONTACT_POINTS: process.env.INTRADAY_CASSANDRA_CONTACT_POINTS ?? "127.0.0.1:9042",
    PG_URL: process.env.INTRADAY_PG_URL ?? "postgres://intraday:intraday@127.0.0.1:5432/intraday",
  };
  if (mode === "local") {
    const r = spawnSync("bash", ["scripts/services/services.sh", "up"], { stdio: "inherit" });
    if (r.status !== 0) throw new Error("could not start the local services (scripts/services/services.sh up); see the output above and docs/services.md");
  } else if (mode === "testcontainers") {
    const { startContainers } = await import("./testcontainers.ts");
    const started = await startContainers();
    env = started.env;
    teardown = started.stop;
  } else if (mode !== "external") {
    throw new Error(`INTRADAY_TEST_SERVICES=${mode}: expected local, testcontainers or external`);
  }
  project.provide("clusterEnv", env);
  return teardown;
}

declare module "vitest" {
  export interface ProvidedContext {
    clusterEnv: Record<string, string>;
  }
}
