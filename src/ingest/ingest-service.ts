import { decodeEvent, fastPathDecode, type FieldIssue, type SaleEvent } from "../domain/event.ts";
import { LogUnavailableError, type AppendResult, type IngestLog } from "../log/ports.ts";

/** The most issues one 400 answer lists; past it the work and the answer stay bounded. */
export const MAX_LISTED_ISSUES = 100;

export class IngestValidationError extends Error {
  readonly code = "INTRADAY_INVALID_EVENTS";
  readonly statusCode = 400;
  constructor(
    readonly issues: FieldIssue[],
    message?: string,
    /** Issues found but not listed (the list is capped at MAX_LISTED_ISSUES). */
    readonly moreIssues = 0,
    /** Further invalid events found after the cap, not itemised. */
    readonly moreInvalidEvents = 0,
  ) {
    super(message ?? `${new Set(issues.map((i) => i.index)).size + moreInvalidEvents} invalid event(s); nothing was accepted`);
  }

  /** How many events of the batch were invalid. */
  invalidEvents(): number {
    return new Set(this.issues.map((i) => i.index)).size + this.moreInvalidEvents;
  }
}

export interface IngestLimits {
  maxBatch: number;
  maxFutureSkewMs: number;
}

/**
 * Validates a POSTed body (one event or an array) all-or-nothing, folds duplicate event ids within
 * the request, and appends the rest durably. Resolves only once the log has them.
 */
export class IngestService {
  constructor(
    private readonly log: IngestLog,
    private readonly limits: IngestLimits,
    private readonly now: () => number = Date.now,
  ) {}

  validate(body: unknown): { events: SaleEvent[]; duplicatesInRequest: number } {
    const items = Array.isArray(body) ? body : [body];
    if (items.length === 0) throw new IngestValidationError([{ index: 0, path: "(body)", message: "the array of events is empty" }], "no events in the request");
    if (items.length > this.limits.maxBatch) {
      throw new IngestValidationError(
        [{ index: this.limits.maxBatch, path: "(body)", message: `at most ${this.limits.maxBatch} events per request (got ${items.length}); split the batch` }],
        "batch too large",
      );
    }
    const issues: FieldIssue[] = [];
    let moreIssues = 0;
    let moreInvalidEvents = 0;
    const events: SaleEvent[] = [];
    const seen = new Set<string>();
    let duplicatesInRequest = 0;
    const latest = this.now() + this.limits.maxFutureSkewMs;
    items.forEach((item, index) => {
      if (issues.length >= MAX_LISTED_ISSUES) {
        // The answer is already full: only tell valid from invalid, with the cheap check, so a
        // hostile batch costs O(size) and not one zod issue per bad field.
        const e = fastPathDecode(item);
        if (!e || e.occurredAtMs > latest) moreInvalidEvents += 1;
        return;
      }
      const r = decodeEvent(item, index);
      const found: FieldIssue[] = !r.ok
        ? r.issues
        : r.event.occurredAtMs > latest
          ? [{ index, path: "occurredAt", message: `occurredAt is more than ${this.limits.maxFutureSkewMs / 1000} s in the future; check the POS clock` }]
          : [];
      if (found.length) {
        const room = MAX_LISTED_ISSUES - issues.length;
        issues.push(...found.slice(0, room));
        moreIssues += Math.max(0, found.length - room);
        return;
      }
      if (!r.ok) return;
      if (seen.has(r.event.eventId)) {
        duplicatesInRequest += 1;
        return;
      }
      seen.add(r.event.eventId);
      events.push(r.event);
    });
    if (issues.length) throw new IngestValidationError(issues, undefined, moreIssues, moreInvalidEvents);
    return { events, duplicatesInRequest };
  }

  async ingest(body: unknown): Promise<AppendResult> {
    const { events, duplicatesInRequest } = this.validate(body);
    // A closed log (e.g. during shutdown) is "unavailable" (503 + Retry-After), not an internal error.
    if (!this.log.isAvailable()) throw new LogUnavailableError("the event log is closed");
    const r = await this.log.appendNew(events);
    return { accepted: r.accepted, duplicates: r.duplicates + duplicatesInRequest };
  }
}
