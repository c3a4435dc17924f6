import type { Settings } from "../../config/settings.ts";
import type { LiveFeedOptions } from "../live-feed.ts";
import { originPolicy } from "./origin-policy.ts";

/** The feed's settings. With read keys configured, a read or an ingest key opens the feed (as for REST reads). */
export function liveFeedOptions(settings: Settings): LiveFeedOptions {
  return {
    minIntervalMs: settings.LIVE_MIN_INTERVAL_MS,
    maxBufferedBytes: settings.WS_MAX_BUFFERED_BYTES,
    snapshotMinutes: 15,
    maxMessageBytes: settings.WS_MAX_MESSAGE_BYTES,
    maxSubscribeIds: settings.WS_MAX_SUBSCRIBE_IDS,
    controlPerSecond: settings.WS_CONTROL_PER_SECOND,
    maxViolations: settings.WS_MAX_VIOLATIONS,
    access: { origins: originPolicy(settings.WS_ALLOWED_ORIGINS), readKeys: settings.readApiKeys.length ? [...settings.readApiKeys, ...settings.apiKeys] : [] },
  };
}
