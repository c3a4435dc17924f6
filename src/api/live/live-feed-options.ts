import type { Settings } from "../../config/settings.ts";
import type { LiveFeedOptions } from "../live-feed.ts";
import { originPolicy } from "./origin-policy.ts";

/** The feed's settings. Read keys are the REST edge's READ_KEYS when that setting exists. */
export function liveFeedOptions(settings: Settings & { readKeys?: readonly string[] }): LiveFeedOptions {
  return {
    minIntervalMs: settings.LIVE_MIN_INTERVAL_MS,
    maxBufferedBytes: settings.WS_MAX_BUFFERED_BYTES,
    snapshotMinutes: 15,
    maxMessageBytes: settings.WS_MAX_MESSAGE_BYTES,
    maxSubscribeIds: settings.WS_MAX_SUBSCRIBE_IDS,
    controlPerSecond: settings.WS_CONTROL_PER_SECOND,
    maxViolations: settings.WS_MAX_VIOLATIONS,
    access: { origins: originPolicy(settings.WS_ALLOWED_ORIGINS), readKeys: settings.readKeys ?? [] },
  };
}
