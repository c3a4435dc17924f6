import WebSocket from "ws";
import { waitFor } from "./embedded-app.ts";

export interface LiveMsg {
  type: string;
  [k: string]: unknown;
}

/** A websocket client of /v1/live that records every message and how the socket ended. */
export class LiveClient {
  readonly messages: LiveMsg[] = [];
  closeCode: number | null = null;

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => this.messages.push(JSON.parse(data.toString()) as LiveMsg));
    ws.on("close", (code) => (this.closeCode = code));
    ws.on("error", () => {}); // a refused or aborted socket is reported by close / the connect promise
  }

  static async connect(baseUrl: string, opts: WebSocket.ClientOptions & { path?: string } = {}): Promise<LiveClient> {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, "ws")}${opts.path ?? "/v1/live"}`, opts);
    const c = new LiveClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("unexpected-response", (_req, res) => reject(new HandshakeRefused(res.statusCode ?? 0)));
      ws.once("error", reject);
    });
    await c.next((m) => m.type === "hello");
    return c;
  }

  next(pred: (m: LiveMsg) => boolean, timeoutMs = 10_000): Promise<LiveMsg> {
    return waitFor(async () => this.messages.find(pred), timeoutMs, 5);
  }

  count(type: string): number {
    return this.messages.filter((m) => m.type === type).length;
  }

  async subscribe(sub: string[] | "*"): Promise<LiveMsg> {
    const before = this.count("snapshot");
    this.ws.send(JSON.stringify({ subscribe: sub }));
    await waitFor(async () => this.count("snapshot") > before, 10_000, 5);
    return this.messages.filter((m) => m.type === "snapshot").at(-1)!;
  }

  closed(timeoutMs = 10_000): Promise<number> {
    return waitFor(async () => this.closeCode ?? undefined, timeoutMs, 5);
  }
}

export class HandshakeRefused extends Error {
  constructor(readonly status: number) {
    super(`websocket handshake refused with HTTP ${status}`);
  }
}
