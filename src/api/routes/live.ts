import type { FastifyInstance } from "fastify";
import type { AppDeps } from "../deps.ts";

export async function liveRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.get("/v1/live", { websocket: true }, (socket) => deps.live.accept(socket));
}
