import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadSettings } from "../src/config/settings.ts";

// docker/ cannot run on the project's machines (no Docker engine): keep it correct statically,
// in step with the settings module and the versions and keys the local service scripts use.
type Service = { image?: string; environment?: Record<string, string>; depends_on?: Record<string, { condition: string }>; profiles?: string[] };
const compose = parse(readFileSync("docker/compose.yaml", "utf8"), { merge: true }) as { services: Record<string, Service> };
const scriptVersion = (file: string, name: string) => new RegExp(`${name}=\\$\\{[A-Z_]+:-([0-9.]+)\\}`).exec(readFileSync(file, "utf8"))?.[1];

describe("docker/compose.yaml", () => {
  it("runs the same Kafka, Cassandra and PostgreSQL versions as scripts/services", () => {
    expect(compose.services.kafka!.image).toBe(`apache/kafka:${scriptVersion("scripts/services/lib/kafka.sh", "KAFKA_VERSION")}`);
    expect(compose.services.cassandra!.image).toBe(`cassandra:${scriptVersion("scripts/services/lib/cassandra.sh", "CASSANDRA_VERSION")}`);
    expect(compose.services.postgres!.image).toMatch(/^postgres:15/);
  });

  it("gives the app only settings the settings module accepts, in cluster mode", () => {
    for (const name of ["app", "app-2", "migrate"]) {
      const env = compose.services[name]!.environment!;
      const settings = loadSettings(env);
      expect(settings.MODE).toBe("cluster");
      expect(settings.KAFKA_BROKERS).toBe("kafka:9092");
      expect(settings.CASSANDRA_CONTACT_POINTS).toBe("cassandra:9042");
      expect(new URL(settings.PG_URL).hostname).toBe("postgres");
    }
  });

  it("configures the broker with the keys of the local server.properties", () => {
    const props = Object.fromEntries(
      readFileSync("scripts/services/kafka/server.properties.template", "utf8")
        .split("\n")
        .map((l) => l.replace(/^@KAFKA4@/, ""))
        .filter((l) => /^[a-z]/.test(l))
        .map((l) => l.split("=") as [string, string]),
    );
    const env = compose.services.kafka!.environment!;
    for (const key of ["process.roles", "auto.create.topics.enable", "group.initial.rebalance.delay.ms", "offsets.topic.replication.factor", "transaction.state.log.min.isr", "num.partitions"]) {
      expect(env[`KAFKA_${key.toUpperCase().replace(/\./g, "_")}`], key).toBe(props[key]);
    }
  });

  it("starts the app only after the services are healthy and the migrations ran", () => {
    const deps = compose.services.app!.depends_on!;
    expect(deps.postgres!.condition).toBe("service_healthy");
    expect(deps.kafka!.condition).toBe("service_healthy");
    expect(deps.cassandra!.condition).toBe("service_healthy");
    expect(deps.migrate!.condition).toBe("service_completed_successfully");
    expect(compose.services.migrate!.depends_on!.cassandra!.condition).toBe("service_healthy");
  });
});
