import type { FastifyInstance } from "fastify";
import type { AppDeps } from "../app.ts";
import { lateQuery, parseOrThrow, rangeQuery, storeParams, timeRange, topStoresQuery } from "../schemas.ts";

export async function queryRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const maxRange = deps.settings.MAX_QUERY_RANGE_MS;
  app.get("/v1/stores/:storeId/minutes", async (req) => {
    const { storeId } = parseOrThrow(storeParams, req.params, "path");
    const { from, to } = timeRange(parseOrThrow(rangeQuery, req.query, "query"), maxRange);
    return { storeId, minutes: await deps.queries.storeMinutes(storeId, from, to) };
  });
  app.get("/v1/minutes", async (req) => {
    const { from, to } = timeRange(parseOrThrow(rangeQuery, req.query, "query"), maxRange);
    return { minutes: await deps.queries.allMinutes(from, to) };
  });
  app.get("/v1/stores", async () => ({ stores: await deps.queries.stores() }));
  app.get("/v1/top-stores", async (req) => {
    const q = parseOrThrow(topStoresQuery, req.query, "query");
    const { from, to } = timeRange(q, maxRange);
    return { currency: q.currency, stores: await deps.queries.topStores(from, to, q.currency, q.limit) };
  });
  app.get("/v1/late-events", async (req) => {
    const q = parseOrThrow(lateQuery, req.query, "query");
    const { from, to } = timeRange(q, maxRange);
    return { lateEvents: await deps.late.listLate({ from, to, limit: q.limit, ...(q.storeId ? { storeId: q.storeId } : {}) }) };
  });
}
