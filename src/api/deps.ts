import type { Settings } from "../config/settings.ts";
import type { IngestService } from "../ingest/ingest-service.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { LateEvents } from "../projections/ports.ts";
import type { MinuteQueries } from "../projections/queries.ts";
import type { LiveFeed } from "./live-feed.ts";

export interface Readiness {
  check(): Promise<{ ready: boolean; checks: Record<string, string> }>;
}

/** The settings the HTTP edge reads. */
export type ApiSettings = Pick<
  Settings,
  | "MAX_BODY_BYTES"
  | "MAX_BATCH"
  | "MAX_FUTURE_SKEW_MS"
  | "MAX_QUERY_RANGE_MS"
  | "apiKeys"
  | "readApiKeys"
  | "INGEST_RATE_LIMIT"
  | "INGEST_RATE_WINDOW_MS"
  | "REQUEST_TIMEOUT_MS"
  | "HEADERS_TIMEOUT_MS"
  | "KEEP_ALIVE_TIMEOUT_MS"
  | "MAX_CONNECTIONS"
  | "LOG_LEVEL"
>;

/** What the routes need, passed to every route plugin (kept apart from app.ts so routes never import the app). */
export interface AppDeps {
  settings: ApiSettings;
  ingest: IngestService;
  queries: MinuteQueries;
  late: LateEvents;
  live: LiveFeed;
  metrics: Metrics;
  readiness: Readiness;
  version: string;
}
