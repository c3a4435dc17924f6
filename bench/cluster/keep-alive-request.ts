/** One HTTP request of a bench client over a keep-alive agent, sent again after the keep-alive race. */
import http from "node:http";
import type { Socket } from "node:net";

/** A reused connection can be one the server is closing; a client tries the next one (each retry takes a connection of the pool or a new one). */
const MAX_RESET_RETRIES = 3;

/** Requests sent again after the keep-alive race, per agent. */
const retries = new WeakMap<http.Agent, number>();
/**
 * Connections that have carried a whole exchange. Node's `req.reusedSocket` is set only when a free
 * connection is waiting at the request; a request queued behind a busy pool (maxSockets) and handed
 * a connection as it frees up reads false, though that connection may be the one the server is
 * closing (seen in the soak: groups of 16 "socket hang up" on connections with megabytes behind them).
 */
const used = new WeakSet<Socket>();

export function resetRetries(agent: http.Agent): number {
  return retries.get(agent) ?? 0;
}

/**
 * A request sent on a reused connection the server had just closed (ECONNRESET, "socket hang up")
 * is sent again, as a POS client would: the same events, so the same ids, and ingest answers a
 * repeat as a duplicate (Node's documented pattern: `req.reusedSocket`). Several idle connections
 * can be closing at once when a burst takes them. Any other error rejects, with the code and
 * whether the connection was reused in its message.
 */
export function keepAliveRequest(agent: http.Agent, url: string, method: "GET" | "POST", body?: string, retriesLeft = MAX_RESET_RETRIES): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let socket: Socket | undefined;
    let reused = false;
    const req = http.request(url, { method, agent, headers: body ? { "content-type": "application/json", "content-length": Buffer.byteLength(body) } : {} }, (res) => {
      let data = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (data += c));
      res.on("end", () => {
        if (socket) used.add(socket);
        resolve({ status: res.statusCode ?? 0, body: data });
      });
    });
    req.on("socket", (s) => {
      socket = s;
      reused = req.reusedSocket || used.has(s);
    });
    req.on("error", (err: NodeJS.ErrnoException) => {
      if (retriesLeft > 0 && reused && err.code === "ECONNRESET") {
        retries.set(agent, resetRetries(agent) + 1);
        resolve(keepAliveRequest(agent, url, method, body, retriesLeft - 1));
      } else reject(new Error(`${err.code ?? err.message}${reused ? " (reused connection)" : ""}`));
    });
    req.end(body);
  });
}
