import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppDeps } from "../deps.ts";
import { errorResponses, Errors } from "../errors.ts";

const DESCRIPTION = `Websocket (RFC 6455): send \`Connection: Upgrade\` and \`Upgrade: websocket\`; a plain GET is 426.
When read keys are set, the key comes as \`Authorization: Bearer <key>\` or \`?access_token=<key>\` (browsers cannot set headers).

Client → server, JSON text frames: \`{"subscribe": ["store-1", ...]}\` (1 to INTRADAY_WS_MAX_SUBSCRIBE_IDS store ids) or \`{"subscribe": "*"}\` (every store plus the all-stores totals); a new subscribe replaces the previous one.

Server → client, JSON text frames with a \`type\`:
- \`hello\` on connect: \`message\`, \`limits\` (maxMessageBytes, maxSubscribeIds, controlPerSecond);
- \`snapshot\` answering each subscribe: \`stores\`, \`from\`, \`to\`, \`minutes\` (the last 15 minutes of those stores), for "*" also \`allStores\`;
- \`tick\` when a window changed: \`storeId\` + a minute row (minute, currency, counts, minor-unit amounts, \`provisional\`), coalesced per store;
- \`allStores\` ("*" subscribers): \`minutes\`, all-stores minute rows;
- \`error\`: \`code\` (INTRADAY_WS_*), \`error\`.

Close codes: 1009 frame too large, 1008 too many refused messages. See docs/live-feed.md.`;

/** GET /v1/live: Origin and read key are checked in preValidation, before the upgrade. */
export async function liveRoutes(root: FastifyInstance, deps: AppDeps): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const secured = deps.settings.readApiKeys.length > 0;
  app.route({
    method: "GET",
    url: "/v1/live",
    // The upgrade guard reads the query itself; a handshake carries no body to validate.
    validatorCompiler: () => (data) => ({ value: data }),
    schema: {
      summary: "Live feed of minute totals (websocket)",
      description: DESCRIPTION,
      ...(secured ? { security: [{ bearer: [] }] } : {}),
      querystring: z.object({ access_token: z.string().optional().describe("Read key, for clients that cannot set Authorization (browsers)") }),
      response: {
        101: z.null().describe("Switching Protocols: the websocket is open; messages as described above"),
        ...errorResponses("INTRADAY_WS_ORIGIN_FORBIDDEN", "INTRADAY_UPGRADE_REQUIRED", ...(secured ? (["INTRADAY_UNAUTHORIZED"] as const) : [])),
      },
    },
    preValidation: deps.live.checkUpgrade,
    handler: async () => {
      throw new Errors.UpgradeRequired("GET /v1/live is a websocket: send Connection: Upgrade and Upgrade: websocket");
    },
    // The upgraded request's socket is the websocket's connection: the feed corks it to write a turn's frames at once.
    wsHandler: (socket, request) => deps.live.accept(socket, request.raw.socket),
  });
}
