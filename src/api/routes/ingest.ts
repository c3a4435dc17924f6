import type { FastifyInstance } from "fastify";
import { timingSafeEqual } from "node:crypto";
import type { AppDeps } from "../app.ts";
import { ApiError } from "../errors.ts";

function keyMatches(given: string, keys: readonly string[]): boolean {
  const g = Buffer.from(given);
  return keys.some((k) => {
    const b = Buffer.from(k);
    return b.length === g.length && timingSafeEqual(b, g);
  });
}

function eventIdConflict(conflicts: readonly { index: number; eventId: string }[]): ApiError {
  return new ApiError(
    "EVENT_ID_CONFLICT",
    `${conflicts.length} event id(s) were already accepted with a different payload; nothing was accepted. An eventId names one event: send a new id for a new event`,
    conflicts.map((c) => ({ index: c.index, path: "eventId", message: `eventId ${c.eventId} was already accepted with a different payload` })),
  );
}

export async function ingestRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { metrics } = deps;
  app.addHook("onResponse", async (req, reply) => {
    if (req.routeOptions.url === "/v1/sales") metrics.ingestRequests.inc({ status: reply.statusCode });
  });
  app.post("/v1/sales", async (req, reply) => {
    if (deps.settings.apiKeys.length) {
      const auth = req.headers.authorization ?? "";
      const m = /^Bearer (.+)$/.exec(auth);
      if (!m || !keyMatches(m[1]!, deps.settings.apiKeys)) {
        reply.header("WWW-Authenticate", "Bearer");
        throw new ApiError("UNAUTHORIZED", m ? "unknown API key" : "POST /v1/sales needs Authorization: Bearer <key>");
      }
    }
    try {
      const outcome = await deps.ingest.ingest(req.body);
      if (outcome.kind === "conflict") throw eventIdConflict(outcome.conflicts);
      const result = { accepted: outcome.accepted, duplicates: outcome.duplicates };
      metrics.ingestEvents.inc({ result: "accepted" }, result.accepted);
      if (result.duplicates) metrics.ingestEvents.inc({ result: "duplicate" }, result.duplicates);
      return reply.code(202).send(result);
    } catch (err) {
      const issues = (err as { issues?: { index: number }[] }).issues;
      if (issues) metrics.ingestRejected.inc(undefined, new Set(issues.map((i) => i.index)).size);
      throw err;
    }
  });
}
