/**
 * The response serializer against the one it replaced (zod's encode + JSON.stringify), on minutes
 * answers of 10, 60 and 120 rows: CPU µs per response, alternated rounds.
 *   npx tsx bench/response-serializer.ts [rounds = 5]
 */
import { serializerCompiler as zodSerializerCompiler } from "fastify-type-provider-zod";
import { responseSerializerCompiler } from "../src/api/response-serializer.ts";
import { minutesResponse } from "../src/api/schemas.ts";

const rounds = Number(process.argv[2] ?? 5);
const route = { schema: minutesResponse, method: "GET", url: "/v1/minutes", httpStatus: "200" };
const serializers = {
  "zod encode + JSON.stringify (before)": zodSerializerCompiler(route as never) as (d: unknown) => string,
  "fast-json-stringify (now)": responseSerializerCompiler(route as never) as (d: unknown) => string,
};
const base = Date.UTC(2026, 11, 1, 9);
function answer(rows: number) {
  const minutes = [];
  for (let i = 0; i < rows; i++) {
    const currency = i % 2 ? "USD" : "EUR";
    minutes.push({ minute: new Date(base + Math.floor(i / 2) * 60_000).toISOString(), currency, saleCount: 1234, refundCount: 12, grossMinor: 123_456_789, refundMinor: 12_345, netMinor: 123_444_444, itemCount: 4567, provisional: i > rows - 3 });
  }
  return { minutes };
}
for (const rows of [10, 60, 120]) {
  const data = answer(rows);
  const n = Math.ceil(600_000 / rows);
  const totals = new Map<string, number[]>();
  for (let r = 0; r < rounds; r++) {
    for (const [name, serialize] of Object.entries(serializers)) {
      for (let i = 0; i < 200; i++) serialize(data);
      const t = process.cpuUsage();
      for (let i = 0; i < n; i++) serialize(data);
      const used = process.cpuUsage(t);
      totals.set(name, [...(totals.get(name) ?? []), (used.user + used.system) / n]);
    }
  }
  for (const [name, us] of totals) console.log(`${rows} rows · ${name}: ${(us.reduce((a, b) => a + b, 0) / us.length).toFixed(1)} µs per response (rounds ${us.map((u) => u.toFixed(0)).join(" ")})`);
}
