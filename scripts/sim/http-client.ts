import http from "node:http";

export interface PostResult {
  status: number;
  body: string;
  latencyMs: number;
}

/** A keep-alive HTTP client bounded to `maxSockets` connections (no dependency beyond node:http). */
export class HttpClient {
  private readonly agent: http.Agent;
  private readonly base: URL;

  constructor(
    baseUrl: string,
    maxSockets: number,
    private readonly headers: Record<string, string> = {},
    private readonly timeoutMs = 10_000,
  ) {
    this.base = new URL(baseUrl);
    if (this.base.protocol !== "http:") throw new Error(`--url must be http://… (got ${baseUrl})`);
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  request(method: "GET" | "POST", path: string, body?: string): Promise<PostResult> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { ...this.headers };
      if (body !== undefined) {
        headers["content-type"] = "application/json";
        headers["content-length"] = Buffer.byteLength(body);
      }
      const req = http.request(
        { protocol: "http:", hostname: this.base.hostname, port: this.base.port || 80, path, method, headers, agent: this.agent, timeout: this.timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), latencyMs: performance.now() - started }));
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error(`no response within ${this.timeoutMs} ms`)));
      req.on("error", reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Connection-level failures that mean "nothing is listening there". */
export function isUnreachable(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EHOSTUNREACH" || code === "ECONNRESET" || code === "EAI_AGAIN";
}
