import { z } from "zod";
import { saleEventV1 } from "../domain/event.ts";
import { ApiError } from "./errors.ts";

const instant = z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time with Z or an offset, e.g. 2026-11-27T10:00:00Z" });

export const rangeQuery = z.strictObject({ from: instant, to: instant });
export const topStoresQuery = z.strictObject({
  from: instant,
  to: instant,
  currency: z.string().regex(/^[A-Z]{3}$/, "currency must be a 3-letter upper-case ISO 4217 code"),
  limit: z.coerce.number().int().min(1).max(1000).default(10),
});
export const lateQuery = z.strictObject({
  from: instant,
  to: instant,
  storeId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
});
export const storeParams = z.strictObject({ storeId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "storeId must be 1–64 characters of A-Z a-z 0-9 _ -") });

export const minuteRow = z.object({
  minute: z.string(),
  currency: z.string(),
  saleCount: z.int(),
  refundCount: z.int(),
  grossMinor: z.int(),
  refundMinor: z.int(),
  netMinor: z.int(),
  itemCount: z.int(),
  provisional: z.boolean(),
});

export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({
    path: i.path.length ? i.path.map(String).join(".") : what,
    message: i.code === "unrecognized_keys" ? `unknown parameter(s): ${i.keys.join(", ")}` : i.message,
  }));
  throw new ApiError("BAD_QUERY", `invalid ${what}: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`, issues);
}

/** Parses from/to and enforces from < to and the configured longest range. */
export function timeRange(q: { from: string; to: string }, maxRangeMs: number): { from: number; to: number } {
  const from = Date.parse(q.from);
  const to = Date.parse(q.to);
  if (from >= to) throw new ApiError("BAD_QUERY", "from must be before to", [{ path: "from", message: "from must be before to" }]);
  if (to - from > maxRangeMs) {
    throw new ApiError("BAD_QUERY", `range is longer than the maximum of ${maxRangeMs / 60000} minutes`, [
      { path: "to", message: `to - from must be at most ${maxRangeMs} ms (INTRADAY_MAX_QUERY_RANGE_MS)` },
    ]);
  }
  return { from, to };
}

const json = (s: z.ZodType) => z.toJSONSchema(s, { unrepresentable: "any", io: "input" });

function queryParams(s: z.ZodObject) {
  const shape = json(s) as { properties: Record<string, unknown>; required?: string[] };
  return Object.entries(shape.properties).map(([name, schema]) => ({ name, in: "query", required: shape.required?.includes(name) ?? false, schema }));
}

const errorBody = {
  type: "object",
  properties: { error: { type: "string" }, code: { type: "string" }, issues: { type: "array", items: { type: "object", properties: { index: { type: "integer" }, path: { type: "string" }, message: { type: "string" } } } } },
};

export function openApiDocument(version: string) {
  const minutesResponse = { type: "object", properties: { minutes: { type: "array", items: json(minuteRow) } } };
  const errors = { "400": { description: "Invalid request", content: { "application/json": { schema: errorBody } } } };
  const storeParam = { name: "storeId", in: "path", required: true, schema: json(storeParams.shape.storeId) };
  return {
    openapi: "3.1.0",
    info: { title: "Intraday Sales", version, description: "Minute-level sales per store, live." },
    paths: {
      "/v1/sales": {
        post: {
          summary: "Ingest one event or an array of events (all-or-nothing validation, idempotent by eventId)",
          security: [{ bearer: [] }],
          requestBody: { required: true, content: { "application/json": { schema: { oneOf: [json(saleEventV1), { type: "array", items: json(saleEventV1) }] } } } },
          responses: {
            "202": { description: "Durably appended", content: { "application/json": { schema: { type: "object", properties: { accepted: { type: "integer" }, duplicates: { type: "integer" } } } } } },
            ...errors,
            "401": { description: "Missing or wrong API key" },
            "413": { description: "Body too large" },
            "415": { description: "Not application/json" },
            "503": { description: "Event log unavailable; see Retry-After" },
          },
        },
      },
      "/v1/stores/{storeId}/minutes": { get: { summary: "One store's minute totals, from ≤ minute < to", parameters: [storeParam, ...queryParams(rangeQuery)], responses: { "200": { description: "Minutes", content: { "application/json": { schema: minutesResponse } } }, ...errors } } },
      "/v1/minutes": { get: { summary: "All stores' minute totals per currency", parameters: queryParams(rangeQuery), responses: { "200": { description: "Minutes", content: { "application/json": { schema: minutesResponse } } }, ...errors } } },
      "/v1/stores": { get: { summary: "Stores seen today with their net per currency", responses: { "200": { description: "Stores" } } } },
      "/v1/top-stores": { get: { summary: "Stores ranked by net sales in one currency", parameters: queryParams(topStoresQuery), responses: { "200": { description: "Ranking" }, ...errors } } },
      "/v1/late-events": { get: { summary: "Events that arrived beyond the allowed lateness", parameters: queryParams(lateQuery), responses: { "200": { description: "Late events" }, ...errors } } },
      "/v1/live": { get: { summary: 'Websocket: send {"subscribe": [..]} or {"subscribe": "*"}; receive a snapshot, then ticks' } },
      "/healthz": { get: { summary: "Liveness" } },
      "/readyz": { get: { summary: "Readiness: log and projections reachable, processors running" } },
      "/metrics": { get: { summary: "Prometheus metrics" } },
    },
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
  };
}
