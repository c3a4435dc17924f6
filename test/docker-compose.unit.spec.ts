import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadSettings } from "../src/config/settings.ts";

// docker/ cannot run on the project's machines (no Docker engine): keep it correct statically,
// in step with the settings module and the versions and keys the local service scripts use.
type Service = {
  image?: string;
  build?: { dockerfile: string };
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  profiles?: string[];
  command?: string[];
  ports?: string[];
};
const compose = parse(readFileSync("docker/compose.yaml", "utf8"), { merge: true }) as { services: Record<string, Service> };
const scriptVersion = (file: string, name: string) => new RegExp(`${name}=\\$\\{[A-Z_]+:-([0-9.]+)\\}`).exec(readFileSync(file, "utf8"))?.[1];

describe("docker/compose.yaml", () => {
  it("builds images with the repo's patches/ in place before npm ci (postinstall applies them)", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts.postinstall).toBe("patch-package");
    for (const file of ["docker/Dockerfile", "docker/Dockerfile.airflow"]) {
      const lines = readFileSync(file, "utf8").split("\n");
      const install = lines.findIndex((l) => l.startsWith("RUN npm ci"));
      const patches = lines.findIndex((l) => l.startsWith("COPY patches"));
      expect(install, file).toBeGreaterThan(-1);
      expect(patches, `${file} copies patches/ before npm ci`).toBeGreaterThan(-1);
      expect(patches, file).toBeLessThan(install);
    }
  });

  it("runs the compiled build: what the image and the app services start is a module the build emits from src/", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts.build).toBe("tsx scripts/build.ts");
    const dockerfile = readFileSync("docker/Dockerfile", "utf8");
    expect(dockerfile).toMatch(/^RUN npm run build\b/m);
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
    const started = [cmd, ...Object.values(compose.services).map((s) => s.command ?? [])].filter((c) => c[0] === "node");
    expect(started.map((c) => c[1])).toEqual(expect.arrayContaining(["dist/main.js", "dist/cli/migrate.js"]));
    for (const [, module] of started) {
      expect(module, "a module under dist/").toMatch(/^dist\/.+\.js$/);
      expect(existsSync(module!.replace(/^dist\//, "src/").replace(/\.js$/, ".ts")), `${module} is built from src/`).toBe(true);
    }
  });

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

  it("runs Superset with the local script's version, defaults and bundle import, after the migrations", () => {
    const sh = readFileSync("scripts/services/lib/superset.sh", "utf8");
    const localDefault = (name: string) => new RegExp(`\\$\\{INTRADAY_${name}:-([^}]*)\\}`).exec(sh)?.[1];
    const superset = compose.services.superset!;
    const env = superset.environment!;
    for (const name of ["SUPERSET_PORT", "SUPERSET_ADMIN_USER", "SUPERSET_ADMIN_PASSWORD", "SUPERSET_PG_USER", "SUPERSET_PG_PASSWORD", "SUPERSET_WORKERS", "SUPERSET_THREADS"]) {
      expect(localDefault(name), `${name} has a default in superset.sh`).toBeDefined();
      expect(env[`INTRADAY_${name}`], name).toBe(localDefault(name));
    }
    expect(superset.ports).toEqual([`127.0.0.1:${localDefault("SUPERSET_PORT")}:${localDefault("SUPERSET_PORT")}`]);
    // every INTRADAY_* variable it sets is one the settings module knows (a setting or a tooling variable)
    expect(() => loadSettings(env)).not.toThrow();
    const dockerfile = readFileSync(superset.build!.dockerfile.replace(/^docker\//, "docker/"), "utf8");
    const version = /SUPERSET_VERSION=([0-9.]+)/.exec(sh)?.[1];
    expect(dockerfile).toContain(`"apache-superset==${version}"`);
    expect(dockerfile).toContain("-c superset/constraints.txt");
    expect(dockerfile).toMatch(/HEALTHCHECK .*\/health/);
    const entry = readFileSync("superset/docker-entrypoint.sh", "utf8");
    expect(entry).toContain("bundle_cli.py import");
    expect(entry).toContain("readonly_role.py");
    expect(superset.depends_on!.postgres!.condition).toBe("service_healthy");
    expect(superset.depends_on!.migrate!.condition).toBe("service_completed_successfully");
  });

  describe("Airflow", () => {
    // the KEY=value lines of airflow_env() in scripts/services/lib/airflow.sh, defaults resolved
    const script = readFileSync("scripts/services/lib/airflow.sh", "utf8");
    const defaults = Object.fromEntries([...script.matchAll(/^([A-Z_]+)=\$\{INTRADAY_[A-Z_]+:-([^}]*)\}$/gm)].map((m) => [m[1]!, m[2]!]));
    const block = /airflow_env\(\) \{[\s\S]*?cat <<EOT\n([\s\S]*?)\nEOT/.exec(script)![1]!;
    const local = Object.fromEntries(
      block.split("\n").map((l) => {
        const i = l.indexOf("=");
        return [l.slice(0, i), l.slice(i + 1).replace(/\$([A-Z_]+)/g, (_m, v: string) => defaults[v] ?? `$${v}`)];
      }),
    );
    const airflowServices = ["airflow-init", "airflow-api-server", "airflow-scheduler", "airflow-dag-processor"];
    // paths, hosts and the per-install secret differ by design; everything else must match
    const differsByDesign = new Set(["AIRFLOW_HOME", "AIRFLOW_VENV", "AIRFLOW_PORT", "AIRFLOW_METADATA_ADMIN_URL", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "AIRFLOW__CORE__DAGS_FOLDER",
      "AIRFLOW__CORE__EXECUTION_API_SERVER_URL", "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE", "AIRFLOW__API__HOST", "AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__API__SECRET_KEY",
      "AIRFLOW__LOGGING__BASE_LOG_FOLDER", "INTRADAY_REPO", "INTRADAY_PG_URL", "INTRADAY_KAFKA_BROKERS", "INTRADAY_CASSANDRA_CONTACT_POINTS"]);

    it("has the api-server, scheduler and dag-processor with healthchecks, after the metadata migration", () => {
      for (const name of ["airflow-api-server", "airflow-scheduler", "airflow-dag-processor"]) {
        const svc = compose.services[name] as Service & { healthcheck?: { test: string[] } };
        expect(svc.healthcheck?.test.join(" "), name).toMatch(/curl -sf/);
        expect(svc.depends_on!["airflow-init"]!.condition).toBe("service_completed_successfully");
      }
      expect(compose.services["airflow-init"]!.depends_on!.postgres!.condition).toBe("service_healthy");
    });

    it("sets exactly the variables of the local script, with the same values where they do not depend on the host", () => {
      expect(Object.keys(local).length).toBeGreaterThan(15);
      for (const name of airflowServices) {
        const env = compose.services[name]!.environment!;
        expect(Object.keys(env).sort(), name).toEqual(Object.keys(local).filter((k) => k !== "AIRFLOW_VENV" && k !== "AIRFLOW_PORT").sort());
        for (const [k, v] of Object.entries(local)) if (!differsByDesign.has(k)) expect(env[k], `${name} ${k}`).toBe(v);
        expect(env.AIRFLOW__API__PORT).toBe(defaults.AIRFLOW_PORT);
        expect(env.AIRFLOW__CORE__EXECUTION_API_SERVER_URL).toBe(`http://airflow-api-server:${defaults.AIRFLOW_PORT}/execution/`);
        expect(env.AIRFLOW__DATABASE__SQL_ALCHEMY_CONN).toMatch(new RegExp(`@postgres:5432/${defaults.AIRFLOW_DB}$`));
        // the app settings the DAGs pass on are settings the app accepts
        const app = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith("INTRADAY_") && k !== "INTRADAY_REPO"));
        expect(loadSettings(app).MODE).toBe("cluster");
      }
    });

    it("installs the Airflow version of the local script with the repo's constraints", () => {
      const version = /^AIRFLOW_VERSION=([0-9.]+)$/m.exec(script)![1]!;
      expect(readFileSync("docker/Dockerfile.airflow", "utf8")).toContain(`"apache-airflow==${version}"`);
      expect(readFileSync("docker/Dockerfile.airflow", "utf8")).toContain("-c airflow/constraints.txt");
      expect(readFileSync("airflow/constraints.txt", "utf8")).toMatch(new RegExp(`^apache-airflow==${version.replace(/\./g, "\\.")}$`, "m"));
    });
  });
});

