import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { isUnavailable } from "../consumers/failure-kind.ts";
import type { Metrics } from "../observability/metrics.ts";
import { CATALOGUE, type ErrorBody, type ErrorCode, type Issue } from "./errors.ts";

/** Framework errors whose meaning we name ourselves (everything else passes through by status). */
const FRAMEWORK_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "INTRADAY_BODY_TOO_LARGE",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "INTRADAY_BAD_REQUEST",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "INTRADAY_UNSUPPORTED_MEDIA_TYPE",
  FST_ERR_CTP_EMPTY_JSON_BODY: "INTRADAY_BAD_JSON",
  FST_ERR_CTP_INVALID_JSON_BODY: "INTRADAY_BAD_JSON",
  FST_ERR_ROUTE_MISSING_CONTENT_TYPE: "INTRADAY_UNSUPPORTED_MEDIA_TYPE",
};

const BY_STATUS: Record<number, ErrorCode> = {
  400: "INTRADAY_BAD_REQUEST",
  401: "INTRADAY_UNAUTHORIZED",
  404: "INTRADAY_NOT_FOUND",
  405: "INTRADAY_METHOD_NOT_ALLOWED",
  408: "INTRADAY_REQUEST_TIMEOUT",
  409: "INTRADAY_EVENT_ID_CONFLICT",
  413: "INTRADAY_BODY_TOO_LARGE",
  415: "INTRADAY_UNSUPPORTED_MEDIA_TYPE",
  429: "INTRADAY_RATE_LIMITED",
  503: "INTRADAY_NOT_READY",
};

type AnyError = Error &
  Partial<Pick<FastifyError, "code" | "statusCode" | "validation">> & {
  issues?: unknown;
  moreIssues?: number;
  moreInvalidEvents?: number;
  eventIds?: string[];
  retryAfterSeconds?: number;
  allow?: string;
  validationContext?: string;
};

const isCatalogued = (code: unknown): code is ErrorCode => typeof code === "string" && Object.hasOwn(CATALOGUE, code);

function statusOf(err: AnyError): number | undefined {
  const s = err.statusCode ?? (err as { status?: number }).status;
  return typeof s === "number" && s >= 400 && s <= 599 ? s : undefined;
}

function validationIssues(err: AnyError): Issue[] {
  const context = err.validationContext ?? "request";
  const where = ({ querystring: "query", params: "path" } as Record<string, string>)[context] ?? context;
  return (err.validation ?? []).map((v) => ({
    path: v.instancePath.split("/").filter(Boolean).join(".") || where,
    message: v.keyword === "unrecognized_keys" ? `unknown parameter(s): ${String((v.params as { keys?: string[] }).keys?.join(", "))}` : (v.message ?? "invalid"),
  }));
}

/** The client went away mid-request (not `req.raw.destroyed`: a fully read body is destroyed too). */
function aborted(req: FastifyRequest, err: AnyError): boolean {
  const socket = req.raw.socket as FastifyRequest["raw"]["socket"] | null;
  return !socket || socket.destroyed || err.code === "ECONNRESET" || err.code === "ECONNABORTED" || err.code === "ERR_STREAM_PREMATURE_CLOSE";
}

/** Stores come back from a restart or a blip within seconds; the consumers retry on the same scale. */
const STORAGE_RETRY_AFTER_S = 5;

export interface ErrorContext {
  maxBodyBytes: number;
  contentType: string | undefined;
}

function frameworkMessage(code: ErrorCode, err: AnyError, ctx: ErrorContext): string {
  switch (code) {
    case "INTRADAY_BODY_TOO_LARGE":
      return `request body is larger than ${ctx.maxBodyBytes} bytes; send smaller batches`;
    case "INTRADAY_UNSUPPORTED_MEDIA_TYPE":
      return `content type ${JSON.stringify(ctx.contentType ?? "")} is not supported; send application/json`;
    case "INTRADAY_BAD_JSON":
      return err.code === "FST_ERR_CTP_EMPTY_JSON_BODY" ? "the JSON body is empty" : `the body is not valid JSON: ${err.message}`;
    default:
      return err.message;
  }
}

/** Maps any error to the catalogue: its own INTRADAY_* code, a framework code we name, or its status. */
export function toErrorBody(err: AnyError, ctx: ErrorContext): { status: number; body: ErrorBody } {
  let code: ErrorCode;
  let message = err.message;
  let issues: Issue[] | undefined = Array.isArray(err.issues) ? (err.issues as Issue[]) : undefined;
  if (isCatalogued(err.code)) {
    code = err.code;
    if (code === "INTRADAY_LOG_UNAVAILABLE") message = `the event log is unavailable, nothing was accepted; retry later (${message})`;
  } else if (err.validation) {
    code = "INTRADAY_BAD_QUERY";
    issues = validationIssues(err);
    message = `invalid ${({ querystring: "query", params: "path" } as Record<string, string>)[err.validationContext ?? ""] ?? "request"}: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`;
  } else if (err.code && FRAMEWORK_CODES[err.code]) {
    code = FRAMEWORK_CODES[err.code]!;
    message = frameworkMessage(code, err, ctx);
  } else if (err instanceof SyntaxError) {
    code = "INTRADAY_BAD_JSON";
    message = frameworkMessage(code, err, ctx);
  } else if (statusOf(err) === undefined && isUnavailable(err)) {
    code = "INTRADAY_STORAGE_UNAVAILABLE";
    message = "storage is unavailable; retry later";
  } else {
    const status = statusOf(err);
    code = status !== undefined && status !== 500 ? (BY_STATUS[status] ?? (status < 500 ? "INTRADAY_BAD_REQUEST" : "INTRADAY_INTERNAL")) : "INTRADAY_INTERNAL";
    if (code === "INTRADAY_INTERNAL") message = "internal error";
    if (status !== undefined && status !== 500 && code !== "INTRADAY_INTERNAL") {
      return { status, body: { error: message.replace(/^FST_\w+:?\s*/, ""), code, retryable: CATALOGUE[code].retryable } };
    }
  }
  const body: ErrorBody = { error: message, code, retryable: CATALOGUE[code].retryable };
  if (issues) body.issues = issues;
  if (err.moreIssues) body.moreIssues = err.moreIssues;
  if (err.moreInvalidEvents) body.moreInvalidEvents = err.moreInvalidEvents;
  if (err.eventIds) body.eventIds = err.eventIds;
  return { status: CATALOGUE[code].status, body };
}

export function sendError(reply: FastifyReply, status: number, body: ErrorBody): FastifyReply {
  return reply.code(status).type("application/json; charset=utf-8").send(body);
}

/**
 * One error handler for the app: whatever carries an INTRADAY_* code or an HTTP status is answered
 * with it; only what is really unexpected becomes 500 (and is logged as an error). A request the
 * client aborted is not an error of ours: logged at debug, nothing sent.
 */
export function installErrorHandler(app: FastifyInstance, metrics: Metrics, maxBodyBytes: number): void {
  app.setErrorHandler((error: AnyError, req, reply) => {
    if (aborted(req, error)) {
      req.log.debug({ err: error.message }, "client aborted the request");
      return reply.code(400).send();
    }
    const { status, body } = toErrorBody(error, { maxBodyBytes, contentType: req.headers["content-type"] });
    if (body.code === "INTRADAY_INTERNAL") req.log.error(error);
    else if (body.code === "INTRADAY_STORAGE_UNAVAILABLE") req.log.warn({ err: error }, body.error);
    else req.log.info({ code: body.code, status }, body.error);
    metrics.httpErrors.inc({ status, code: body.code });
    const retryAfter = error.retryAfterSeconds ?? (body.code === "INTRADAY_STORAGE_UNAVAILABLE" ? STORAGE_RETRY_AFTER_S : undefined);
    if (retryAfter !== undefined) reply.header("Retry-After", String(retryAfter));
    if (error.allow !== undefined) reply.header("Allow", error.allow);
    return sendError(reply, status, body);
  });
}
