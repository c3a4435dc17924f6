import type { FastifyReply, FastifyRequest, onRequestHookHandler } from "fastify";
import { timingSafeEqual } from "node:crypto";
import { Errors } from "./errors.ts";

/** The key of `Authorization: Bearer <key>`; the scheme name is case-insensitive (RFC 9110 §11.1). */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^bearer[ ]+([^ ].*)$/i.exec(header?.trim() ?? "");
  return m ? m[1]!.trim() : undefined;
}

function keyMatches(given: string, keys: readonly string[]): boolean {
  const g = Buffer.from(given);
  let ok = false;
  // Compare against every key (no early exit), in constant time per key.
  for (const k of keys) {
    const b = Buffer.from(k);
    if (b.length === g.length && timingSafeEqual(b, g)) ok = true;
  }
  return ok;
}

function check(req: FastifyRequest, reply: FastifyReply, keys: readonly string[], what: string): void {
  const token = bearerToken(req.headers.authorization);
  if (token !== undefined && keyMatches(token, keys)) return;
  reply.header("WWW-Authenticate", "Bearer");
  throw new Errors.Unauthorized(token === undefined ? `${what} needs Authorization: Bearer <key>` : "unknown API key");
}

/**
 * onRequest hook for ingest: runs before the body is read, so an unauthenticated client cannot
 * make the server read or parse a large body. No keys configured = open.
 */
export function requireIngestKey(ingestKeys: readonly string[]): onRequestHookHandler {
  return async (req, reply) => {
    if (ingestKeys.length) check(req, reply, ingestKeys, `${req.method} ${req.routeOptions.url ?? req.url}`);
  };
}

/**
 * onRequest hook for reads (REST queries, /metrics, the websocket upgrade): when read keys are
 * configured, a read key or an ingest key is required. No read keys configured = open.
 */
export function requireReadKey(readKeys: readonly string[], ingestKeys: readonly string[] = []): onRequestHookHandler {
  const all = [...readKeys, ...ingestKeys];
  return async (req, reply) => {
    if (readKeys.length) check(req, reply, all, `${req.method} ${req.routeOptions.url ?? req.url}`);
  };
}
