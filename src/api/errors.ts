import type { FastifyError, FastifyInstance } from "fastify";
import { IngestValidationError } from "../ingest/ingest-service.ts";
import { LogUnavailableError } from "../log/ports.ts";

/** Every error the API answers with: a stable code for clients and tests to match on. */
export const ERRORS = {
  INVALID_EVENTS: { code: "INTRADAY_INVALID_EVENTS", status: 400 },
  BAD_QUERY: { code: "INTRADAY_BAD_QUERY", status: 400 },
  BAD_JSON: { code: "INTRADAY_BAD_JSON", status: 400 },
  UNAUTHORIZED: { code: "INTRADAY_UNAUTHORIZED", status: 401 },
  NOT_FOUND: { code: "INTRADAY_NOT_FOUND", status: 404 },
  EVENT_ID_CONFLICT: { code: "INTRADAY_EVENT_ID_CONFLICT", status: 409 },
  BODY_TOO_LARGE: { code: "INTRADAY_BODY_TOO_LARGE", status: 413 },
  UNSUPPORTED_MEDIA_TYPE: { code: "INTRADAY_UNSUPPORTED_MEDIA_TYPE", status: 415 },
  LOG_UNAVAILABLE: { code: "INTRADAY_LOG_UNAVAILABLE", status: 503 },
  INTERNAL: { code: "INTRADAY_INTERNAL", status: 500 },
} as const;

export interface Issue {
  index?: number;
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly kind: keyof typeof ERRORS,
    message: string,
    readonly issues?: Issue[],
  ) {
    super(message);
  }
}

export function installErrorHandler(app: FastifyInstance, maxBodyBytes: number): void {
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({ error: `no route ${req.method} ${req.url.split("?")[0]}`, code: ERRORS.NOT_FOUND.code });
  });
  app.setErrorHandler((err: FastifyError | Error, req, reply) => {
    const send = (kind: keyof typeof ERRORS, error: string, issues?: Issue[]) =>
      reply.code(ERRORS[kind].status).send(issues ? { error, code: ERRORS[kind].code, issues } : { error, code: ERRORS[kind].code });
    if (err instanceof ApiError) return send(err.kind, err.message, err.issues);
    if (err instanceof IngestValidationError) return send("INVALID_EVENTS", err.message, err.issues);
    if (err instanceof LogUnavailableError) {
      reply.header("Retry-After", String(err.retryAfterSeconds));
      return send("LOG_UNAVAILABLE", `the event log is unavailable, nothing was accepted; retry later (${err.message})`);
    }
    const code = (err as FastifyError).code;
    if (code === "FST_ERR_CTP_BODY_TOO_LARGE") return send("BODY_TOO_LARGE", `request body is larger than ${maxBodyBytes} bytes; send smaller batches`);
    if (code === "FST_ERR_CTP_INVALID_MEDIA_TYPE")
      return send("UNSUPPORTED_MEDIA_TYPE", `content type ${JSON.stringify(req.headers["content-type"] ?? "")} is not supported; send application/json`);
    if (code === "FST_ERR_CTP_EMPTY_JSON_BODY") return send("BAD_JSON", "the JSON body is empty");
    if (code === "FST_ERR_CTP_INVALID_JSON_BODY" || err instanceof SyntaxError) return send("BAD_JSON", `the body is not valid JSON: ${err.message}`);
    if ((err as FastifyError).validation) return send("BAD_QUERY", err.message);
    req.log.error(err);
    return send("INTERNAL", "internal error");
  });
}
