import type { FastifyInstance } from "fastify";
import type { AppDeps } from "../deps.ts";

/** GET /v1/live: Origin and read key are checked in preValidation, before the upgrade. */
export async function liveRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.get("/v1/live", { websocket: true, preValidation: deps.live.checkUpgrade }, (socket) => deps.live.accept(socket));
}
