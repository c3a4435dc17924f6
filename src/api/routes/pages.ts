import type { FastifyInstance } from "fastify";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const PUBLIC = fileURLToPath(new URL("../public/", import.meta.url));
const FILES: Record<string, [string, string]> = {
  "/": ["index.html", "text/html; charset=utf-8"],
  "/app.js": ["app.js", "text/javascript; charset=utf-8"],
  // every ES module of the page (state, feed, charts, tables, …)
  ...Object.fromEntries(readdirSync(PUBLIC + "js").filter((f) => f.endsWith(".js")).map((f) => [`/js/${f}`, [`js/${f}`, "text/javascript; charset=utf-8"]])),
};

/** The live page: static files, no build step. (The API docs are served by @fastify/swagger-ui at /docs.) */
export async function pageRoutes(app: FastifyInstance): Promise<void> {
  for (const [route, [file, type]] of Object.entries(FILES)) {
    const body = readFileSync(PUBLIC + file);
    app.get(route, { schema: { hide: true } }, async (_req, reply) => reply.type(type).header("Cache-Control", "no-cache").send(body));
  }
}
