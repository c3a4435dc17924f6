/**
 * Which browser pages may open the feed. Browsers always send Origin on a websocket handshake
 * and page scripts cannot forge it, so a check here stops a web page in an operator's browser
 * from reading a local server's feed (cross-site websocket hijacking). Clients that send no
 * Origin (curl, servers, the simulator) are not browsers acting for a page and are allowed.
 */
export interface OriginPolicy {
  /** Exact origins ("https://ops.example.com") allowed besides same-origin pages. */
  allowed: ReadonlySet<string>;
  allowAny: boolean;
}

export function originPolicy(setting: string): OriginPolicy {
  const list = setting.split(",").map((o) => o.trim()).filter(Boolean);
  return { allowAny: list.includes("*"), allowed: new Set(list.filter((o) => o !== "*").map(normaliseOrigin)) };
}

function normaliseOrigin(origin: string): string {
  try {
    return new URL(origin).origin;
  } catch {
    return origin.toLowerCase();
  }
}

/** Same-origin means the page's host (with port) is the host the client connected to. */
export function originAllowed(policy: OriginPolicy, origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  if (policy.allowAny) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // "null" (sandboxed frames, file: pages) and garbage
  }
  if (host !== undefined && url.host.toLowerCase() === host.toLowerCase() && (url.protocol === "http:" || url.protocol === "https:")) return true;
  return policy.allowed.has(url.origin);
}
