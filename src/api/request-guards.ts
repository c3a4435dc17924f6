import type { FastifyInstance, HTTPMethods } from "fastify";
import { Errors } from "./errors.ts";

const METHODS: HTTPMethods[] = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "QUERY"];

/** The charset parameter of a Content-Type, lower-cased and unquoted, if any. */
export function charsetOf(contentType: string): string | undefined {
  const m = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  return m ? m[1]!.toLowerCase() : undefined;
}

/**
 * What is refused before routing and before any body byte is read:
 * - a Content-Encoding other than identity (the server decodes none): 415;
 * - a Content-Type charset other than UTF-8 (JSON is UTF-8, RFC 8259): 415.
 * And a request for a known path with a method it does not serve: 405 with Allow.
 */
export function installRequestGuards(app: FastifyInstance): void {
  app.addHook("onRequest", async (req) => {
    const encoding = req.headers["content-encoding"]?.trim().toLowerCase();
    if (encoding && encoding !== "identity") {
      throw new Errors.UnsupportedMediaType(`Content-Encoding ${JSON.stringify(encoding)} is not supported; send the body uncompressed`);
    }
    const type = req.headers["content-type"];
    const charset = type ? charsetOf(type) : undefined;
    if (charset !== undefined && charset !== "utf-8" && charset !== "utf8") {
      throw new Errors.UnsupportedMediaType(`charset ${JSON.stringify(charset)} is not supported; JSON bodies must be UTF-8`);
    }
  });
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split("?")[0] ?? req.url;
    const allowed = METHODS.filter((method) => app.findRoute({ method, url: path }) !== null);
    if (allowed.length) {
      reply.header("Allow", allowed.join(", "));
      throw new Errors.MethodNotAllowed(`${req.method} is not allowed on ${path}; allowed: ${allowed.join(", ")}`);
    }
    throw new Errors.NotFound(`no route ${req.method} ${path}`);
  });
}
