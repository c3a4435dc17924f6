import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { MAX_STORES_PER_BATCH, storeFieldsSchema, storeIdSchema, storeInfoSchema, type StoreDirectory } from "../../projections/analytics/store-directory.ts";
import { errorResponses, Errors, withIssues, type Issue } from "../errors.ts";
import { requireIngestKey } from "../security.ts";

export interface StoreDirectoryDeps {
  directory: StoreDirectory;
  /** When non-empty, writes need Authorization: Bearer <key> (as POST /v1/sales does). */
  apiKeys: readonly string[];
}

const batchSchema = z
  .array(storeInfoSchema)
  .min(1, "send at least one store")
  .max(MAX_STORES_PER_BATCH, `at most ${MAX_STORES_PER_BATCH} stores per request`)
  .describe(`1–${MAX_STORES_PER_BATCH} stores; all-or-nothing: if any is invalid, none is saved`);
const MAX_LISTED = 20;

function invalid(message: string, err: z.ZodError, prefix = ""): Error {
  const issues: Issue[] = err.issues.slice(0, MAX_LISTED).map((i) => ({ path: `${prefix}${i.path.join(".")}` || "(body)", message: i.message }));
  return Object.assign(withIssues(new Errors.InvalidStores(message), issues), { moreIssues: Math.max(0, err.issues.length - MAX_LISTED) });
}

/**
 * Store reference data: PUT /v1/stores/{storeId} (one store), POST /v1/store-directory (a batch,
 * all-or-nothing), GET /v1/store-directory. The schemas document the routes; validation runs in the
 * handlers (as for ingest) so a bad store is a 400 INTRADAY_INVALID_STORES listing every issue.
 */
export async function storeDirectoryRoutes(root: FastifyInstance, deps: StoreDirectoryDeps): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const secured = deps.apiKeys.length > 0;
  const write = {
    onRequest: requireIngestKey(deps.apiKeys),
    validatorCompiler: () => (data: unknown) => ({ value: data }),
  };
  const security = secured ? { security: [{ bearer: [] }] } : {};
  const writeErrors = errorResponses(
    "INTRADAY_INVALID_STORES",
    "INTRADAY_BAD_JSON",
    ...(secured ? (["INTRADAY_UNAUTHORIZED"] as const) : []),
    "INTRADAY_BODY_TOO_LARGE",
    "INTRADAY_UNSUPPORTED_MEDIA_TYPE",
    "INTRADAY_STORAGE_UNAVAILABLE",
  );

  app.put(
    "/v1/stores/:storeId",
    {
      ...write,
      schema: {
        summary: "Create or replace one store's reference data (name, region, IANA time zone)",
        ...security,
        params: z.strictObject({ storeId: storeIdSchema }),
        body: storeFieldsSchema,
        response: { 200: storeInfoSchema, ...writeErrors },
      },
    },
    async (req) => {
      const id = storeIdSchema.safeParse((req.params as { storeId?: unknown }).storeId);
      if (!id.success) throw invalid("invalid storeId in the path", id.error, "storeId");
      const body = storeFieldsSchema.safeParse(req.body);
      if (!body.success) throw invalid("invalid store", body.error);
      const store = { storeId: id.data, ...body.data };
      await deps.directory.upsert([store]);
      return store;
    },
  );
  app.post(
    "/v1/store-directory",
    {
      ...write,
      schema: {
        summary: "Create or replace a batch of stores (all-or-nothing)",
        ...security,
        body: batchSchema,
        response: { 200: z.object({ saved: z.int().min(1).describe("Stores saved") }), ...writeErrors },
      },
    },
    async (req) => {
      const body = batchSchema.safeParse(req.body);
      if (!body.success) throw invalid("invalid stores; nothing was saved", body.error);
      await deps.directory.upsert(body.data);
      return { saved: body.data.length };
    },
  );
  app.get(
    "/v1/store-directory",
    { schema: { summary: "Every store's reference data", response: { 200: z.object({ stores: z.array(storeInfoSchema) }), ...errorResponses("INTRADAY_STORAGE_UNAVAILABLE") } } },
    async () => ({ stores: await deps.directory.list() }),
  );
}
