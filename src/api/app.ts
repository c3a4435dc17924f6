import websocket from "@fastify/websocket";
import Fastify, { type FastifyInstance } from "fastify";
import type { Settings } from "../config/settings.ts";
import type { IngestService } from "../ingest/ingest-service.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { LateEventStore } from "../projections/ports.ts";
import type { MinuteQueries } from "../projections/queries.ts";
import { installErrorHandler } from "./errors.ts";
import type { LiveFeed } from "./live-feed.ts";
import { ingestRoutes } from "./routes/ingest.ts";
import { liveRoutes } from "./routes/live.ts";
import { opsRoutes, type Readiness } from "./routes/ops.ts";
import { queryRoutes } from "./routes/queries.ts";
import { pageRoutes } from "./routes/pages.ts";

export interface AppDeps {
  settings: Pick<Settings, "MAX_BODY_BYTES" | "MAX_QUERY_RANGE_MS" | "apiKeys" | "LOG_LEVEL">;
  ingest: IngestService;
  queries: MinuteQueries;
  late: LateEventStore;
  live: LiveFeed;
  metrics: Metrics;
  readiness: Readiness;
  version: string;
}

/** Builds the HTTP app without listening, so tests can use inject(). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.settings.LOG_LEVEL === "silent" ? false : { level: deps.settings.LOG_LEVEL },
    bodyLimit: deps.settings.MAX_BODY_BYTES,
  });
  // Fastify parses text/plain by default; the contract accepts only JSON, so anything else is 415.
  app.removeContentTypeParser("text/plain");
  installErrorHandler(app, deps.settings.MAX_BODY_BYTES);
  await app.register(websocket, { options: { maxPayload: deps.live.maxMessageBytes } });
  await app.register(ingestRoutes, deps);
  await app.register(queryRoutes, deps);
  await app.register(liveRoutes, deps);
  await app.register(opsRoutes, deps);
  await app.register(pageRoutes);
  return app;
}
