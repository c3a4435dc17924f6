import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { saleEventV1 } from "../../domain/event.ts";
import { IngestValidationError, MAX_LISTED_ISSUES } from "../../ingest/ingest-service.ts";
import type { AppDeps } from "../deps.ts";
import { errorResponses, Errors } from "../errors.ts";
import { acceptedResponse } from "../schemas.ts";
import { bearerToken, requireIngestKey } from "../security.ts";

/**
 * What ingest answers: the events appended, or (the idempotency-key rule, decided by the ingest
 * log's payload fingerprints) nothing appended because some eventIds were already accepted with a
 * different payload.
 */
type IngestOutcome =
  | { kind?: "appended"; accepted: number; duplicates: number }
  | { kind: "conflict"; conflicts: readonly { index: number; eventId: string }[] };

function eventIdConflict(conflicts: readonly { index: number; eventId: string }[]) {
  const listed = conflicts.slice(0, MAX_LISTED_ISSUES);
  return Object.assign(
    new Errors.EventIdConflict(
      `${conflicts.length} event id(s) were already accepted with a different payload; nothing was accepted. An eventId names one event: send a new id for a new event`,
    ),
    {
      issues: listed.map((c) => ({ index: c.index, path: "eventId", message: `eventId ${c.eventId} was already accepted with a different payload` })),
      eventIds: listed.map((c) => c.eventId),
      moreIssues: conflicts.length - listed.length,
    },
  );
}

/**
 * The request body as documented. It is not validated by the schema compiler: the all-or-nothing
 * batch decoder (IngestService.validate) is the one that runs, because its answer (every bad event
 * by index and path, capped) is part of the contract, and its fast path is 4× cheaper than zod.
 */
function ingestBody(maxBatch: number, maxFutureSkewMs: number) {
  // The skew is a setting, so its rule is stated here (the other rules come with saleEventV1).
  const event = saleEventV1.meta({ "x-intraday-max-ahead-of-server-clock": { field: "occurredAt", ms: maxFutureSkewMs } });
  return z
    .union([event, z.array(event).min(1).max(maxBatch)])
    .describe(
      `One event or an array of 1–${maxBatch} events (INTRADAY_MAX_BATCH). All-or-nothing: if any event is invalid, none is accepted and the 400 lists ` +
        `the issues by event index (at most ${MAX_LISTED_ISSUES}; moreIssues / moreInvalidEvents count the rest).`,
    );
}

export async function ingestRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { metrics, settings } = deps;
  const secured = settings.apiKeys.length > 0;
  app.addHook("onResponse", async (req, reply) => {
    if (req.routeOptions.url === "/v1/sales") metrics.ingestRequests.inc({ status: reply.statusCode });
  });
  const rateLimit =
    settings.INGEST_RATE_LIMIT > 0
      ? {
          max: settings.INGEST_RATE_LIMIT,
          timeWindow: settings.INGEST_RATE_WINDOW_MS,
          keyGenerator: (req: { headers: { authorization?: string }; ip: string }) => (secured ? `key:${bearerToken(req.headers.authorization) ?? ""}` : `ip:${req.ip}`),
          errorResponseBuilder: (_req: unknown, ctx: { max: number; after: string; ttl: number }) =>
            Object.assign(new Errors.RateLimited(`more than ${ctx.max} requests per ${settings.INGEST_RATE_WINDOW_MS} ms; retry in ${ctx.after}`), {
              retryAfterSeconds: Math.max(1, Math.ceil(ctx.ttl / 1000)),
            }),
        }
      : false;
  app.withTypeProvider<ZodTypeProvider>().post(
    "/v1/sales",
    {
      // Keys are checked before the body is read (an unauthenticated client cannot make us parse 4 MB).
      onRequest: requireIngestKey(settings.apiKeys),
      config: rateLimit ? { rateLimit } : {},
      validatorCompiler: () => (data) => ({ value: data }),
      schema: {
        summary: "Ingest one event or a batch (all-or-nothing validation, idempotent by eventId)",
        description:
          "202 once the log has durably appended the events. Resending an eventId with the same payload counts as a duplicate; with a different payload it is a 409 and nothing is accepted.",
        body: ingestBody(settings.MAX_BATCH, settings.MAX_FUTURE_SKEW_MS),
        ...(secured ? { security: [{ bearer: [] }] } : {}),
        response: {
          202: acceptedResponse,
          ...errorResponses(
            "INTRADAY_INVALID_EVENTS",
            "INTRADAY_BAD_JSON",
            ...(secured ? (["INTRADAY_UNAUTHORIZED"] as const) : []),
            "INTRADAY_EVENT_ID_CONFLICT",
            "INTRADAY_BODY_TOO_LARGE",
            "INTRADAY_UNSUPPORTED_MEDIA_TYPE",
            ...(rateLimit ? (["INTRADAY_RATE_LIMITED"] as const) : []),
            "INTRADAY_LOG_UNAVAILABLE",
          ),
        },
      },
    },
    async (req, reply) => {
      try {
        const outcome: IngestOutcome = await deps.ingest.ingest(req.body);
        if (outcome.kind === "conflict") throw eventIdConflict(outcome.conflicts);
        metrics.ingestEvents.inc({ result: "accepted" }, outcome.accepted);
        if (outcome.duplicates) metrics.ingestEvents.inc({ result: "duplicate" }, outcome.duplicates);
        return reply.code(202).send({ accepted: outcome.accepted, duplicates: outcome.duplicates });
      } catch (err) {
        if (err instanceof IngestValidationError) metrics.ingestRejected.inc(undefined, err.invalidEvents());
        throw err;
      }
    },
  );
}
