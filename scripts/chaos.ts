import { parseArgs } from "node:util";
import { formatReport, runChaos } from "./chaos/run.ts";
import { defaultStack } from "./chaos/stack.ts";

const HELP = `npm run chaos -- [options]

Runs the pipeline on its own Kafka, Cassandra and PostgreSQL (another services dir and other ports:
INTRADAY_CHAOS_SERVICES_DIR, INTRADAY_CHAOS_PG_PORT, _KAFKA_PORT, _KAFKA_CONTROLLER_PORT,
_CASSANDRA_PORT, _CASSANDRA_STORAGE_PORT) and injects faults while the simulator sends traffic;
then checks every minute row against a recomputation from raw history. Exit 1 on any failure.

  --kafka-down S      seconds Kafka is stopped (20)
  --cassandra-down S  seconds Cassandra is stopped (30)
  --postgres-down S   seconds PostgreSQL is stopped (20)
  --calm S            seconds of plain traffic before and between faults (5)
  --second S          seconds the second instance runs (15)
  --catch-up S        most seconds to catch up and match at the end (240)
  --partitions N      log partitions (4)
  --stores N          stores in the traffic (30)
  --keep-services     leave the chaos stack running afterwards

INTRADAY_CHAOS_LOG_DIR=dir keeps each app instance's whole output in dir/<name>-<pid>.log.
`;

const { values } = parseArgs({
  options: {
    "kafka-down": { type: "string", default: "20" },
    "cassandra-down": { type: "string", default: "30" },
    "postgres-down": { type: "string", default: "20" },
    calm: { type: "string", default: "5" },
    second: { type: "string", default: "15" },
    "catch-up": { type: "string", default: "240" },
    partitions: { type: "string", default: "4" },
    stores: { type: "string", default: "30" },
    "keep-services": { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const seconds = (name: keyof typeof values) => {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number of seconds`);
  return n * 1000;
};
const report = await runChaos({
  stack: defaultStack(),
  partitions: Number(values.partitions),
  stores: Number(values.stores),
  calmMs: seconds("calm"),
  kafkaDownMs: seconds("kafka-down"),
  cassandraDownMs: seconds("cassandra-down"),
  postgresDownMs: seconds("postgres-down"),
  secondInstanceMs: seconds("second"),
  catchUpMs: seconds("catch-up"),
  stopServices: !values["keep-services"],
  log: (l) => console.log(l),
});
console.log(formatReport(report));
process.exit(report.ok ? 0 : 1);
