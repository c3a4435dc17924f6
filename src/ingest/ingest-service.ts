import { decodeEvent, fastPathDecode, type FieldIssue, type SaleEvent } from "../domain/event.ts";
import { LogUnavailableError, type IngestLog } from "../event-log/ports.ts";
import { fingerprintOf } from "./fingerprint.ts";

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

/**
 * What became of a request: its new events appended (the others were duplicates: the same id with
 * the same payload, i.e. a retry), or nothing appended because some event ids were already taken
 * with a different payload (the idempotency-key rule).
 */
export type IngestResult =
  | { kind: "appended"; accepted: number; duplicates: number }
  | { kind: "conflict"; conflicts: { index: number; eventId: string }[] };

interface Validated {
  /** The events to append: one per event id. */
  events: SaleEvent[];
  /** For each of `events`, its index in the request. */
  indexes: number[];
  /** Per request index: the index in `events` of the first event with the same id. */
  sameAs: (number | undefined)[];
  /** Request indexes repeating an earlier event id of the request with another payload. */
  conflictsInRequest: number[];
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

  validate(body: unknown): Validated {
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
    const out: Validated = { events: [], indexes: [], sameAs: [], conflictsInRequest: [] };
    const first = new Map<string, { at: number; fingerprint: bigint | null }>();
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
      const prior = first.get(r.event.eventId);
      if (prior) {
        // Fingerprints only when an id repeats within a request (rare): the log computes them anyway.
        prior.fingerprint ??= fingerprintOf(out.events[prior.at]!);
        if (fingerprintOf(r.event) !== prior.fingerprint) out.conflictsInRequest.push(index);
        out.sameAs[index] = prior.at;
        return;
      }
      first.set(r.event.eventId, { at: out.events.length, fingerprint: null });
      out.sameAs[index] = out.events.length;
      out.events.push(r.event);
      out.indexes.push(index);
    });
    if (issues.length) throw new IngestValidationError(issues, undefined, moreIssues, moreInvalidEvents);
    return out;
  }

  /**
   * Appends the request's new events. An event id seen before with the same payload is a duplicate
   * (answered as success: a retry); with a different payload it is a conflict, and then nothing of
   * the request is appended.
   */
  async ingest(body: unknown): Promise<IngestResult> {
    const v = this.validate(body);
    if (v.conflictsInRequest.length) return conflictResult(v.conflictsInRequest, v);
    // A closed log (e.g. during shutdown) is "unavailable" (503 + Retry-After), not an internal error.
    if (!this.log.isAvailable()) throw new LogUnavailableError("the event log is closed");
    const r = await this.log.appendNew(v.events);
    if (r.conflicts.length) return conflictResult(r.conflicts.map((i) => v.indexes[i]!), v);
    return { kind: "appended", accepted: r.accepted, duplicates: v.sameAs.length - r.accepted };
  }
}

function conflictResult(indexes: readonly number[], v: Validated): IngestResult {
  const conflicts = [...new Set(indexes)].sort((a, b) => a - b).map((index) => ({ index, eventId: v.events[v.sameAs[index]!]!.eventId }));
  return { kind: "conflict", conflicts };
}
