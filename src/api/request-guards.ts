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
  const notFound = (method: string, url: string): Error => {
    const path = url.split("?")[0] ?? url;
    const allowed = METHODS.filter((m) => app.findRoute({ method: m, url: path }) !== null);
    if (allowed.length) {
      return Object.assign(new Errors.MethodNotAllowed(`${method} is not allowed on ${path}; allowed: ${allowed.join(", ")}`), { allow: allowed.join(", ") });
    }
    return new Errors.NotFound(`no route ${method} ${path}`);
  };
  app.addHook("onRequest", async (req) => {
    // Decided before any body handling, so e.g. QUERY without a Content-Type is 405, not 400/415.
    if (req.is404) throw notFound(req.method, req.url);
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
  app.setNotFoundHandler((req) => {
    throw notFound(req.method, req.url);
  });
}
