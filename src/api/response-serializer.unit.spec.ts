import fc from "fast-check";
import { serializerCompiler as zodSerializerCompiler } from "fastify-type-provider-zod";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { ERROR_CODES, errorBody } from "./errors.ts";
import { responseSerializerCompiler } from "./response-serializer.ts";
import { acceptedResponse, lateEventsResponse, minutesResponse, storeMinutesResponse, storesResponse, topStoresResponse } from "./schemas.ts";

type Serialize = (data: unknown) => string;
const route = { method: "GET", url: "/test", httpStatus: "200" };
const fast = (schema: z.ZodType) => responseSerializerCompiler({ schema, ...route }) as Serialize;
/** The serializer it replaces: zod's encode, then JSON.stringify. */
const reference = (schema: z.ZodType) => zodSerializerCompiler({ schema, ...route } as never) as Serialize;

// Any UTF-16 text, lone surrogates included: error messages quote what clients sent.
const text = fc.string({ unit: "binary", maxLength: 40 });
const int = fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
const nat = fc.nat();
/**
 * Map keys. Never "__proto__": zod's record encode assigns it as the prototype and drops it, while fast-json-stringify
 * writes the own key. The maps' keys are ISO 4217 codes (src/domain/event.ts), so neither can meet one.
 */
const key = text.filter((k) => k !== "__proto__");
const minute = fc.record({
  minute: text,
  currency: text,
  saleCount: nat,
  refundCount: nat,
  grossMinor: int,
  refundMinor: int,
  netMinor: int,
  itemCount: nat,
  provisional: fc.boolean(),
});
/** Fields a handler might hold but must never send (internal row state). */
const internal = fc.record({ eventIds: fc.array(text, { maxLength: 3 }), partition: nat, offset: nat }, { requiredKeys: [] });
const withInternal = <T extends object>(a: fc.Arbitrary<T>) => fc.tuple(a, internal).map(([x, extra]) => ({ ...extra, ...x }));

const cases: [string, z.ZodType, fc.Arbitrary<unknown>][] = [
  ["minutes", minutesResponse, fc.record({ minutes: fc.array(withInternal(minute), { maxLength: 20 }) })],
  ["store minutes", storeMinutesResponse, fc.record({ storeId: text, minutes: fc.array(minute, { maxLength: 5 }) })],
  ["stores", storesResponse, fc.record({ stores: fc.array(fc.record({ storeId: text, day: text, netMinorByCurrency: fc.dictionary(key, int, { maxKeys: 3 }), lastMinute: text }), { maxLength: 5 }) })],
  ["top stores", topStoresResponse, fc.record({ currency: text, stores: fc.array(fc.record({ storeId: text, currency: text, netMinor: int, grossMinor: int, refundMinor: int, saleCount: int, itemCount: int }), { maxLength: 5 }) })],
  [
    "late events",
    lateEventsResponse,
    fc.record({
      lateEvents: fc.array(
        fc.record({ eventId: text, storeId: text, occurredAt: text, type: text, currency: text, totalMinor: int, partition: nat, offset: nat, appendTime: fc.double({ noNaN: true, noDefaultInfinity: true }), reason: text }),
        { maxLength: 5 },
      ),
    }),
  ],
  ["accepted", acceptedResponse, fc.record({ accepted: nat, duplicates: nat })],
  [
    "error",
    errorBody,
    withInternal(
      fc.record(
        {
          error: text,
          code: fc.constantFrom(...ERROR_CODES),
          retryable: fc.boolean(),
          issues: fc.array(fc.record({ index: nat, path: text, message: text }), { maxLength: 3 }),
          moreIssues: nat,
          moreInvalidEvents: nat,
          eventIds: fc.array(text, { maxLength: 3 }),
        },
        { requiredKeys: ["error", "code", "retryable"] },
      ),
    ),
  ],
];

describe("the response serializer (fast-json-stringify from the routes' zod schemas)", () => {
  for (const [name, schema, arbitrary] of cases) {
    // The same JSON value; the text differs only in key order where an optional field precedes a required one.
    it(`${name}: writes the JSON value zod's encode wrote, undeclared fields left out`, () => {
      const ours = fast(schema);
      const theirs = reference(schema);
      fc.assert(
        fc.property(arbitrary, (data) => {
          const out = ours(data);
          const expected = theirs(data);
          expect(out.length).toBe(expected.length);
          expect(JSON.parse(out)).toEqual(JSON.parse(expected));
        }),
        { numRuns: 300 },
      );
    });
  }

  it("never writes a row's internal fields", () => {
    const row = { minute: "2026-12-01T10:00:00.000Z", currency: "EUR", saleCount: 1, refundCount: 0, grossMinor: 100, refundMinor: 0, netMinor: 100, itemCount: 1, provisional: true };
    const out = JSON.parse(fast(minutesResponse)({ minutes: [{ ...row, eventIds: ["secret"], partition: 3 }] })) as { minutes: object[] };
    expect(out.minutes[0]).toEqual(row);
  });
});
