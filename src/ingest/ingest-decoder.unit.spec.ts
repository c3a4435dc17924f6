import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IngestService, IngestValidationError, MAX_LISTED_ISSUES } from "./ingest-service.ts";
import type { IngestLog } from "../event-log/ports.ts";

/** Issue 7: the ingest decoder never throws anything but its own 400, and its answer stays bounded. */
const unusedLog: IngestLog = {
  partitions: 1,
  appendNew: () => Promise.reject(new Error("validate only")),
  isAvailable: () => true,
  close: async () => undefined,
};
const service = new IngestService(unusedLog, { maxBatch: 1000, maxFutureSkewMs: 120_000 }, () => Date.UTC(2026, 10, 27, 12));

const nearlyEvent = fc.record(
  {
    eventId: fc.oneof(fc.uuid(), fc.string()),
    storeId: fc.oneof(fc.constant("store-1"), fc.string()),
    occurredAt: fc.oneof(fc.constant("2026-11-27T10:00:00Z"), fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string()),
    type: fc.constantFrom("sale", "refund", "other"),
    currency: fc.constantFrom("EUR", "JPY", "eur", "XXX"),
    lines: fc.array(fc.record({ sku: fc.string({ unit: "binary" }), quantity: fc.integer(), unitPriceMinor: fc.oneof(fc.integer(), fc.double()) }, { requiredKeys: [] }), {
      maxLength: 5,
    }),
    totalMinor: fc.oneof(fc.integer(), fc.constant(undefined)),
  },
  { requiredKeys: [] },
);

describe("IngestService.validate under arbitrary input", () => {
  it("property: any JSON value, or a batch of near-events, is accepted or refused with a bounded IngestValidationError", () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.array(nearlyEvent, { maxLength: 150 }), nearlyEvent), (body) => {
        try {
          const r = service.validate(body);
          expect(r.events.length).toBeGreaterThan(0);
        } catch (err) {
          expect(err).toBeInstanceOf(IngestValidationError);
          const e = err as IngestValidationError;
          expect(e.issues.length).toBeGreaterThan(0);
          expect(e.issues.length).toBeLessThanOrEqual(MAX_LISTED_ISSUES);
          for (const i of e.issues) expect(i.message.length).toBeLessThan(500);
        }
      }),
      { numRuns: 300 },
    );
  }, 60_000);

  it("counts every invalid event past the cap without itemising it", () => {
    const bad = Array.from({ length: 500 }, () => ({ lines: [{}, {}, {}] }));
    try {
      service.validate(bad);
      expect.unreachable();
    } catch (err) {
      const e = err as IngestValidationError;
      expect(e.issues).toHaveLength(MAX_LISTED_ISSUES);
      expect(e.invalidEvents()).toBe(500);
      expect(e.message).toBe("500 invalid event(s); nothing was accepted");
    }
  });
});
