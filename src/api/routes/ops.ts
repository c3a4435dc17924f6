import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppDeps } from "../deps.ts";
import { errorResponses } from "../errors.ts";
import { requireReadKey } from "../security.ts";

export type { Readiness } from "../deps.ts";

const readiness = z.object({ status: z.enum(["ready", "not ready"]), checks: z.record(z.string(), z.string()) });

export async function opsRoutes(root: FastifyInstance, deps: AppDeps): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const secured = deps.settings.readApiKeys.length > 0;
  app.get("/healthz", { schema: { summary: "Liveness", response: { 200: z.object({ status: z.literal("ok") }) } } }, async () => ({ status: "ok" as const }));
  app.get(
    "/readyz",
    { schema: { summary: "Readiness: log and projections reachable, processors running", response: { 200: readiness, 503: readiness } } },
    async (_req, reply) => {
      const r = await deps.readiness.check();
      return reply.code(r.ready ? 200 : 503).send({ status: r.ready ? "ready" : "not ready", checks: r.checks });
    },
  );
  app.get(
    "/metrics",
    {
      onRequest: requireReadKey(deps.settings.readApiKeys, deps.settings.apiKeys),
      schema: {
        summary: "Prometheus metrics (text exposition format)",
        ...(secured ? { security: [{ bearer: [] }] } : {}),
        response: {
          200: { description: "Prometheus text format", content: { "text/plain": { schema: z.string() } } },
          ...errorResponses(...(secured ? (["INTRADAY_UNAUTHORIZED"] as const) : [])),
        },
      },
    },
    async (_req, reply) => reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.render()),
  );
}
