import createError, { type FastifyError } from "@fastify/error";
import { z } from "zod";

interface ErrorSpec {
  status: number;
  retryable: boolean;
  description: string;
}

/**
 * Every error the API answers with: a stable INTRADAY_* code, its HTTP status, and whether the
 * same request may succeed when retried unchanged. Clients and tests match on `code`.
 */
export const CATALOGUE = {
  INTRADAY_INVALID_EVENTS: { status: 400, retryable: false, description: "One or more events are invalid; nothing was accepted (issues list each problem)" },
  INTRADAY_INVALID_STORES: { status: 400, retryable: false, description: "One or more stores are invalid; nothing was saved (issues list each problem)" },
  INTRADAY_BAD_QUERY: { status: 400, retryable: false, description: "Invalid path or query parameters" },
  INTRADAY_BAD_JSON: { status: 400, retryable: false, description: "The body is empty or not valid JSON" },
  INTRADAY_BAD_REQUEST: { status: 400, retryable: false, description: "The request is malformed" },
  INTRADAY_UNAUTHORIZED: { status: 401, retryable: false, description: "Missing or unknown API key" },
  INTRADAY_WS_ORIGIN_FORBIDDEN: { status: 403, retryable: false, description: "The live feed refuses websocket connections from this page's Origin (INTRADAY_WS_ALLOWED_ORIGINS)" },
  INTRADAY_NOT_FOUND: { status: 404, retryable: false, description: "No such route" },
  INTRADAY_METHOD_NOT_ALLOWED: { status: 405, retryable: false, description: "The path exists but not for this method; see Allow" },
  INTRADAY_REQUEST_TIMEOUT: { status: 408, retryable: true, description: "The request was not received in time" },
  INTRADAY_EVENT_ID_CONFLICT: { status: 409, retryable: false, description: "An eventId was already accepted with a different payload; nothing was accepted" },
  INTRADAY_BODY_TOO_LARGE: { status: 413, retryable: false, description: "The body is larger than INTRADAY_MAX_BODY_BYTES" },
  INTRADAY_UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false, description: "Only application/json in UTF-8, without Content-Encoding, is accepted" },
  INTRADAY_AMOUNT_OUT_OF_RANGE: { status: 422, retryable: false, description: "A sum over the requested rows would exceed 2^53-1 minor units and cannot be served exactly; narrow the query (docs/money.md)" },
  INTRADAY_UPGRADE_REQUIRED: { status: 426, retryable: false, description: "This path is a websocket: send Connection: Upgrade, Upgrade: websocket" },
  INTRADAY_RATE_LIMITED: { status: 429, retryable: true, description: "Too many requests for this key; see Retry-After" },
  INTRADAY_INTERNAL: { status: 500, retryable: true, description: "Unexpected server error" },
  INTRADAY_LOG_UNAVAILABLE: { status: 503, retryable: true, description: "The event log is unavailable, nothing was accepted; see Retry-After" },
  INTRADAY_STORAGE_UNAVAILABLE: { status: 503, retryable: true, description: "A store the answer is read from (or written to) is unavailable; see Retry-After" },
  INTRADAY_NOT_READY: { status: 503, retryable: true, description: "Not ready" },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof CATALOGUE;
export const ERROR_CODES = Object.keys(CATALOGUE) as [ErrorCode, ...ErrorCode[]];

function define<C extends ErrorCode>(code: C) {
  return createError<C, (typeof CATALOGUE)[C]["status"], [string]>(code, "%s", CATALOGUE[code].status);
}

/** The error classes the API throws, built with the framework's error factory. */
export const Errors = {
  BadQuery: define("INTRADAY_BAD_QUERY"),
  InvalidStores: define("INTRADAY_INVALID_STORES"),
  BadJson: define("INTRADAY_BAD_JSON"),
  BadRequest: define("INTRADAY_BAD_REQUEST"),
  Unauthorized: define("INTRADAY_UNAUTHORIZED"),
  NotFound: define("INTRADAY_NOT_FOUND"),
  MethodNotAllowed: define("INTRADAY_METHOD_NOT_ALLOWED"),
  EventIdConflict: define("INTRADAY_EVENT_ID_CONFLICT"),
  BodyTooLarge: define("INTRADAY_BODY_TOO_LARGE"),
  UnsupportedMediaType: define("INTRADAY_UNSUPPORTED_MEDIA_TYPE"),
  RateLimited: define("INTRADAY_RATE_LIMITED"),
  Internal: define("INTRADAY_INTERNAL"),
  WsOriginForbidden: define("INTRADAY_WS_ORIGIN_FORBIDDEN"),
  UpgradeRequired: define("INTRADAY_UPGRADE_REQUIRED"),
};

export const issueSchema = z.object({
  index: z.int().min(0).optional().describe("Index of the event in the batch (ingest only)"),
  path: z.string().describe("Field path, e.g. lines.0.quantity, or (body)/(event)"),
  message: z.string(),
});
export type Issue = z.infer<typeof issueSchema>;

/** The body of every error answer. */
export const errorBody = z.object({
  error: z.string().describe("What went wrong, for humans"),
  code: z.enum(ERROR_CODES).describe("Stable code to match on"),
  retryable: z.boolean().describe("Whether the same request may succeed later unchanged"),
  issues: z.array(issueSchema).optional(),
  moreIssues: z.int().min(0).optional().describe("Issues found but not listed (the list is capped)"),
  moreInvalidEvents: z.int().min(0).optional().describe("Further invalid events not itemised in issues"),
  eventIds: z.array(z.string()).optional().describe("INTRADAY_EVENT_ID_CONFLICT: the conflicting eventIds"),
});
export type ErrorBody = z.infer<typeof errorBody>;

/** An error with issues attached (validation errors). */
export function withIssues<E extends FastifyError>(err: E, issues: Issue[]): E & { issues: Issue[] } {
  return Object.assign(err, { issues });
}

/** Responses of every route for the given error codes, for the OpenAPI document. */
export function errorResponses<C extends ErrorCode>(...codes: C[]): Record<(typeof CATALOGUE)[C]["status"], typeof errorBody> {
  const out: Record<number, typeof errorBody> = {};
  for (const c of codes) out[CATALOGUE[c].status] = errorBody.describe(codes.filter((o) => CATALOGUE[o].status === CATALOGUE[c].status).map((o) => `${o}: ${CATALOGUE[o].description}`).join(". "));
  return out as Record<(typeof CATALOGUE)[C]["status"], typeof errorBody>;
}
