import type { Settings } from "../config/settings.ts";
import type { Adapters } from "./adapters.ts";

/** The real stack (Kafka, Cassandra, PostgreSQL). */
export async function clusterAdapters(_settings: Settings): Promise<Adapters> {
  throw new Error("INTRADAY_MODE=cluster is not available in this build yet; unset INTRADAY_MODE to run the embedded default");
}
