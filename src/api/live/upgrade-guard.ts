import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { Errors } from "../errors.ts";
import { originAllowed, type OriginPolicy } from "./origin-policy.ts";

/**
 * Who may open the feed, decided before the websocket upgrade. `readKeys` is the small interface
 * the REST edge's read-key check also satisfies: when it says no, the handshake is refused.
 */
export interface UpgradeGuardOptions {
  origins: OriginPolicy;
  /** Read keys; empty = the feed is open to anyone who can reach it (the embedded default). */
  readKeys: readonly string[];
}

const digest = (s: string) => createHash("sha256").update(s).digest();

/** Browsers cannot set headers on a websocket, so the key may also come as ?access_token=. */
function presentedKey(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  const m = auth === undefined ? null : /^bearer\s+(\S+)\s*$/i.exec(auth);
  if (m) return m[1];
  const q = (req.query as Record<string, unknown> | undefined)?.access_token;
  return typeof q === "string" && q.length > 0 ? q : undefined;
}

export function upgradeGuard(opts: UpgradeGuardOptions) {
  const keys = opts.readKeys.map(digest);
  const keyOk = (key: string) => {
    const d = digest(key);
    return keys.some((k) => timingSafeEqual(k, d));
  };
  return async function checkUpgrade(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (!originAllowed(opts.origins, req.headers.origin, req.headers.host)) {
      throw new Errors.WsOriginForbidden(`websocket connections from origin ${JSON.stringify(req.headers.origin)} are not allowed (INTRADAY_WS_ALLOWED_ORIGINS)`);
    }
    if (keys.length === 0) return;
    const key = presentedKey(req);
    if (key === undefined || !keyOk(key)) {
      reply.header("WWW-Authenticate", "Bearer");
      throw new Errors.Unauthorized(key === undefined ? "the live feed needs a read key: Authorization: Bearer <key> or ?access_token=<key>" : "unknown read key");
    }
  };
}
