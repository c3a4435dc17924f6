import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import websocket from "@fastify/websocket";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { jsonSchemaTransform, validatorCompiler } from "fastify-type-provider-zod";
import { logger } from "../observability/logger.ts";
import type { AppDeps } from "./deps.ts";
import { installErrorHandler } from "./error-handler.ts";
import { installRequestGuards } from "./request-guards.ts";
import { responseSerializerCompiler } from "./response-serializer.ts";
import { ingestRoutes } from "./routes/ingest.ts";
import { liveRoutes } from "./routes/live.ts";
import { opsRoutes } from "./routes/ops.ts";
import { pageRoutes } from "./routes/pages.ts";
import { queryRoutes } from "./routes/queries.ts";

export type { AppDeps } from "./deps.ts";

const API_DESCRIPTION = `Minute-level sales per store, live.

Errors: every error answer is \`{ error, code, retryable, issues? }\` with a stable \`INTRADAY_*\` code.
Event v1 rules beyond this schema: \`totalMinor\`, when given, equals Σ quantity × unitPriceMinor; that
sum is at most 10^12 minor units; \`occurredAt\` is at most INTRADAY_MAX_FUTURE_SKEW_MS ahead of the
server clock. See docs/api.md.`;

/** Builds the HTTP app without listening, so tests can use inject(). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const s = deps.settings;
  const app = Fastify({
    loggerInstance: logger.child({ component: "http" }, { level: s.LOG_LEVEL }) as FastifyBaseLogger,
    bodyLimit: s.MAX_BODY_BYTES,
    requestTimeout: s.REQUEST_TIMEOUT_MS,
    keepAliveTimeout: s.KEEP_ALIVE_TIMEOUT_MS,
    // An idle socket (no request bytes at all) is closed after the request timeout too.
    connectionTimeout: s.REQUEST_TIMEOUT_MS,
    // Node checks the request/headers timeouts on this interval (30 s by default): check every second.
    http: { headersTimeout: s.HEADERS_TIMEOUT_MS, connectionsCheckingInterval: 1000 },
  });
  app.server.maxConnections = s.MAX_CONNECTIONS;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(responseSerializerCompiler);
  // Fastify parses text/plain by default; the contract accepts only JSON, so anything else is 415.
  app.removeContentTypeParser("text/plain");
  installErrorHandler(app, deps.metrics, s.MAX_BODY_BYTES);
  installRequestGuards(app);

  const secured = s.apiKeys.length > 0 || s.readApiKeys.length > 0;
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: { title: "Intraday Sales", version: deps.version, description: API_DESCRIPTION },
      ...(secured ? { components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "INTRADAY_API_KEYS / INTRADAY_READ_API_KEYS" } } } } : {}),
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: "/docs", staticCSP: true });
  await app.register(rateLimit, { global: false });
  await app.register(websocket, { options: { maxPayload: deps.live.maxMessageBytes } });
  await app.register(ingestRoutes, deps);
  await app.register(queryRoutes, deps);
  await app.register(liveRoutes, deps);
  await app.register(opsRoutes, deps);
  await app.register(pageRoutes);
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  return app;
}
