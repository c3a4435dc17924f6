import type { FastifyInstance } from "fastify";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const PUBLIC = fileURLToPath(new URL("../public/", import.meta.url));
const FILES: Record<string, [string, string]> = {
  "/": ["index.html", "text/html; charset=utf-8"],
  "/app.js": ["app.js", "text/javascript; charset=utf-8"],
  ...Object.fromEntries(["format", "state", "feed", "charts", "tables"].map((m) => [`/js/${m}.js`, [`js/${m}.js`, "text/javascript; charset=utf-8"]])),
};

/** The live page: static files, no build step. (The API docs are served by @fastify/swagger-ui at /docs.) */
export async function pageRoutes(app: FastifyInstance): Promise<void> {
  for (const [route, [file, type]] of Object.entries(FILES)) {
    const body = readFileSync(PUBLIC + file);
    app.get(route, { schema: { hide: true } }, async (_req, reply) => reply.type(type).header("Cache-Control", "no-cache").send(body));
  }
}
