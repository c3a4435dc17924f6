/** What a websocket client may send, decoded without trusting any part of it. */

export type Subscription = "*" | readonly string[];

export type ControlMessage = { ok: true; subscribe: Subscription } | { ok: false; code: ControlErrorCode; error: string };

export type ControlErrorCode =
  | "INTRADAY_WS_BINARY"
  | "INTRADAY_WS_BAD_JSON"
  | "INTRADAY_WS_BAD_MESSAGE"
  | "INTRADAY_WS_TOO_MANY_IDS"
  | "INTRADAY_WS_RATE_LIMITED";

export interface ControlLimits {
  maxSubscribeIds: number;
}

const STORE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const EXPECTED = 'expected {"subscribe": "*"} or {"subscribe": ["<storeId>", ...]}';

const fail = (code: ControlErrorCode, error: string): ControlMessage => ({ ok: false, code, error });

/**
 * Decodes one frame. Bounded work: the frame size is capped by the socket, the id list is
 * checked for length before any id is looked at, and every error names what was wrong.
 */
export function decodeControlMessage(data: Buffer, isBinary: boolean, limits: ControlLimits): ControlMessage {
  if (isBinary) return fail("INTRADAY_WS_BINARY", "binary frames are not accepted: send JSON as a text frame");
  let msg: unknown;
  try {
    msg = JSON.parse(data.toString("utf8"));
  } catch {
    return fail("INTRADAY_WS_BAD_JSON", `messages must be JSON: ${EXPECTED}`);
  }
  if (typeof msg !== "object" || msg === null || Array.isArray(msg)) return fail("INTRADAY_WS_BAD_MESSAGE", EXPECTED);
  const keys = Object.keys(msg);
  if (keys.length !== 1 || keys[0] !== "subscribe") return fail("INTRADAY_WS_BAD_MESSAGE", `${EXPECTED} (and no other fields)`);
  const sub = (msg as { subscribe: unknown }).subscribe;
  if (sub === "*") return { ok: true, subscribe: "*" };
  if (!Array.isArray(sub) || sub.length === 0) return fail("INTRADAY_WS_BAD_MESSAGE", EXPECTED);
  if (sub.length > limits.maxSubscribeIds) {
    return fail("INTRADAY_WS_TOO_MANY_IDS", `at most ${limits.maxSubscribeIds} store ids per subscription (got ${sub.length}); use "*" for all stores`);
  }
  for (let i = 0; i < sub.length; i++) {
    const id: unknown = sub[i];
    if (typeof id !== "string" || !STORE_ID.test(id)) return fail("INTRADAY_WS_BAD_MESSAGE", `subscribe[${i}] is not a store id (1–64 of A-Z a-z 0-9 _ -)`);
  }
  return { ok: true, subscribe: [...new Set(sub as string[])] };
}
