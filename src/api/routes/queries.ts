import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { AppDeps } from "../deps.ts";
import { errorResponses } from "../errors.ts";
import { lateEventsResponse, minutesResponse, querySchemas, storeMinutesResponse, storeParams, storesResponse, topStoresResponse } from "../schemas.ts";
import { requireReadKey } from "../security.ts";

export async function queryRoutes(root: FastifyInstance, deps: AppDeps): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { settings } = deps;
  const q = querySchemas(settings.MAX_QUERY_RANGE_MS);
  const secured = settings.readApiKeys.length > 0;
  app.addHook("onRequest", requireReadKey(settings.readApiKeys, settings.apiKeys));
  const common = {
    ...(secured ? { security: [{ bearer: [] }] } : {}),
  };
  const errors = errorResponses("INTRADAY_BAD_QUERY", ...(secured ? (["INTRADAY_UNAUTHORIZED"] as const) : []), "INTRADAY_STORAGE_UNAVAILABLE");
  const ms = (iso: string) => Date.parse(iso);

  app.get(
    "/v1/stores/:storeId/minutes",
    { schema: { summary: "One store's minute totals, from ≤ minute < to", ...common, params: storeParams, querystring: q.range, response: { 200: storeMinutesResponse, ...errors } } },
    async (req) => ({ storeId: req.params.storeId, minutes: await deps.queries.storeMinutes(req.params.storeId, ms(req.query.from), ms(req.query.to)) }),
  );
  app.get(
    "/v1/minutes",
    { schema: { summary: "All stores' minute totals per currency, from ≤ minute < to", ...common, querystring: q.range, response: { 200: minutesResponse, ...errors } } },
    async (req) => ({ minutes: await deps.queries.allMinutes(ms(req.query.from), ms(req.query.to)) }),
  );
  app.get(
    "/v1/stores",
    { schema: { summary: "Stores seen today (UTC) with their net per currency", ...common, response: { 200: storesResponse, ...errorResponses(...(secured ? (["INTRADAY_UNAUTHORIZED"] as const) : []), "INTRADAY_STORAGE_UNAVAILABLE") } } },
    async () => ({ stores: await deps.queries.stores() }),
  );
  app.get(
    "/v1/top-stores",
    { schema: { summary: "Stores ranked by net sales in one currency", ...common, querystring: q.topStores, response: { 200: topStoresResponse, ...errors } } },
    async (req) => ({ currency: req.query.currency, stores: await deps.queries.topStores(ms(req.query.from), ms(req.query.to), req.query.currency, req.query.limit) }),
  );
  app.get(
    "/v1/late-events",
    { schema: { summary: "Events that arrived beyond the allowed lateness", ...common, querystring: q.late, response: { 200: lateEventsResponse, ...errors } } },
    async (req) => {
      const { from, to, limit, storeId } = req.query;
      return { lateEvents: await deps.late.listLate({ from: ms(from), to: ms(to), limit, ...(storeId ? { storeId } : {}) }) };
    },
  );
}
