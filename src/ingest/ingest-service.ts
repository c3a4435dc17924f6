import { decodeEvent, type FieldIssue, type SaleEvent } from "../domain/event.ts";
import { LogUnavailableError, type AppendResult, type IngestLog } from "../log/ports.ts";

export class IngestValidationError extends Error {
  readonly code = "INTRADAY_INVALID_EVENTS";
  readonly statusCode = 400;
  constructor(readonly issues: FieldIssue[], message = `${new Set(issues.map((i) => i.index)).size} invalid event(s); nothing was accepted`) {
    super(message);
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
    const events: SaleEvent[] = [];
    const seen = new Set<string>();
    let duplicatesInRequest = 0;
    const latest = this.now() + this.limits.maxFutureSkewMs;
    items.forEach((item, index) => {
      const r = decodeEvent(item, index);
      if (!r.ok) {
        issues.push(...r.issues);
        return;
      }
      if (r.event.occurredAtMs > latest) {
        issues.push({ index, path: "occurredAt", message: `occurredAt is more than ${this.limits.maxFutureSkewMs / 1000} s in the future; check the POS clock` });
        return;
      }
      if (seen.has(r.event.eventId)) {
        duplicatesInRequest += 1;
        return;
      }
      seen.add(r.event.eventId);
      events.push(r.event);
    });
    if (issues.length) throw new IngestValidationError(issues);
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
