import type { FastifyInstance } from "fastify";
import type { AppDeps } from "../app.ts";
import { openApiDocument } from "../schemas.ts";

export interface Readiness {
  check(): Promise<{ ready: boolean; checks: Record<string, string> }>;
}

export async function opsRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const spec = openApiDocument(deps.version);
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_req, reply) => {
    const r = await deps.readiness.check();
    return reply.code(r.ready ? 200 : 503).send({ status: r.ready ? "ready" : "not ready", checks: r.checks });
  });
  app.get("/metrics", async (_req, reply) => reply.type("text/plain; version=0.0.4").send(deps.metrics.registry.render()));
  app.get("/openapi.json", async () => spec);
}
