import { describe, expect, it } from "vitest";
import { decodeControlMessage } from "./control-message.ts";

const limits = { maxSubscribeIds: 3 };
const decode = (text: string, binary = false) => decodeControlMessage(Buffer.from(text), binary, limits);

describe("decodeControlMessage", () => {
  it("accepts '*' and a list of store ids (deduplicated)", () => {
    expect(decode('{"subscribe":"*"}')).toEqual({ ok: true, subscribe: "*" });
    expect(decode('{"subscribe":["a","b","a"]}')).toEqual({ ok: true, subscribe: ["a", "b"] });
  });

  /** Text frames that are not a valid control message, by what is wrong with them. */
  const badMessages: Record<string, string> = {
    null: "null",
    "a number": "5",
    "a string": '"x"',
    "an array": "[]",
    "an extra field": '{"subscribe":"*","x":1}',
    "a prototype key": '{"__proto__":{"subscribe":"*"}}',
    "an empty list": '{"subscribe":[]}',
    "a bad id": '{"subscribe":["ok","not ok"]}',
    "a non-string id": '{"subscribe":[1]}',
    "32k-deep nesting": `{"subscribe":${"[".repeat(32_000)}${"]".repeat(32_000)}}`,
  };
  const refusals: [name: string, text: string, code: string][] = [
    ...Object.entries(badMessages).map(([name, text]): [string, string, string] => [name, text, "INTRADAY_WS_BAD_MESSAGE"]),
    ["not JSON", "subscribe me", "INTRADAY_WS_BAD_JSON"],
    ["too many ids", '{"subscribe":["a","b","c","d"]}', "INTRADAY_WS_TOO_MANY_IDS"],
  ];

  it.each(refusals)("refuses %s with %s", (_name, text, code) => {
    const r = decode(text);
    expect(r).toMatchObject({ ok: false, code });
    expect(r.ok ? "" : r.error.length).toBeGreaterThan(10);
  });

  it("refuses binary frames whatever they hold", () => {
    expect(decode('{"subscribe":"*"}', true)).toMatchObject({ ok: false, code: "INTRADAY_WS_BINARY" });
  });

  it("checks the id count before looking at ids (a long list of bad ids costs nothing)", () => {
    const r = decodeControlMessage(Buffer.from(JSON.stringify({ subscribe: Array.from({ length: 10_000 }, () => 42) })), false, limits);
    expect(r).toMatchObject({ ok: false, code: "INTRADAY_WS_TOO_MANY_IDS" });
    expect(r.ok ? "" : r.error).toContain("10000");
  });
});
