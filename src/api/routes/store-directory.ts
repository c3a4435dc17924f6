import type { FastifyInstance } from "fastify";
import { timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { issuesOf, MAX_STORES_PER_BATCH, storeFieldsSchema, storeIdSchema, storeInfoSchema, type StoreDirectory } from "../../projections/analytics/store-directory.ts";

export interface StoreDirectoryDeps {
  directory: StoreDirectory;
  /** When non-empty, writes need Authorization: Bearer <key> (as POST /v1/sales does). */
  apiKeys: readonly string[];
}

const batchSchema = z.array(storeInfoSchema).min(1, "send at least one store").max(MAX_STORES_PER_BATCH, `at most ${MAX_STORES_PER_BATCH} stores per request`);

function authorized(header: string | undefined, keys: readonly string[]): boolean {
  if (!keys.length) return true;
  const m = /^Bearer (.+)$/.exec(header ?? "");
  if (!m) return false;
  const given = Buffer.from(m[1]!);
  return keys.some((k) => {
    const b = Buffer.from(k);
    return b.length === given.length && timingSafeEqual(b, given);
  });
}

/**
 * Store reference data: PUT /v1/stores/{storeId} (one store), POST /v1/store-directory (a batch,
 * all-or-nothing), GET /v1/store-directory. Self-contained: its own validation and error bodies.
 */
export async function storeDirectoryRoutes(app: FastifyInstance, deps: StoreDirectoryDeps): Promise<void> {
  const bad = (error: string, issues: string[]) => ({ error, code: "INTRADAY_INVALID_STORES", issues });
  app.addHook("preHandler", async (req, reply) => {
    if (req.method === "GET" || !req.routeOptions.url?.startsWith("/v1/store")) return;
    if (!authorized(req.headers.authorization, deps.apiKeys)) {
      reply.header("WWW-Authenticate", "Bearer");
      return reply.code(401).send({ error: "writing stores needs Authorization: Bearer <key>", code: "INTRADAY_UNAUTHORIZED" });
    }
  });
  app.put<{ Params: { storeId: string } }>("/v1/stores/:storeId", async (req, reply) => {
    const id = storeIdSchema.safeParse(req.params.storeId);
    if (!id.success) return reply.code(400).send(bad("invalid storeId in the path", issuesOf(id.error, "storeId: ")));
    const body = storeFieldsSchema.safeParse(req.body);
    if (!body.success) return reply.code(400).send(bad("invalid store", issuesOf(body.error)));
    const store = { storeId: id.data, ...body.data };
    await deps.directory.upsert([store]);
    return reply.code(200).send(store);
  });
  app.post("/v1/store-directory", async (req, reply) => {
    const body = batchSchema.safeParse(req.body);
    if (!body.success) return reply.code(400).send(bad("invalid stores; nothing was saved", issuesOf(body.error)));
    await deps.directory.upsert(body.data);
    return reply.code(200).send({ saved: body.data.length });
  });
  app.get("/v1/store-directory", async () => ({ stores: await deps.directory.list() }));
}
