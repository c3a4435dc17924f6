import { describe, expect, it } from "vitest";
import { decodeControlMessage } from "./control-message.ts";

const limits = { maxSubscribeIds: 3 };
const decode = (text: string, binary = false) => decodeControlMessage(Buffer.from(text), binary, limits);

describe("decodeControlMessage", () => {
  it("accepts '*' and a list of store ids (deduplicated)", () => {
    expect(decode('{"subscribe":"*"}')).toEqual({ ok: true, subscribe: "*" });
    expect(decode('{"subscribe":["a","b","a"]}')).toEqual({ ok: true, subscribe: ["a", "b"] });
  });

  it.each([
    ["null", "null", "INTRADAY_WS_BAD_MESSAGE"],
    ["a number", "5", "INTRADAY_WS_BAD_MESSAGE"],
    ["a string", '"x"', "INTRADAY_WS_BAD_MESSAGE"],
    ["an array", "[]", "INTRADAY_WS_BAD_MESSAGE"],
    ["not JSON", "subscribe me", "INTRADAY_WS_BAD_JSON"],
    ["an extra field", '{"subscribe":"*","x":1}', "INTRADAY_WS_BAD_MESSAGE"],
    ["a prototype key", '{"__proto__":{"subscribe":"*"}}', "INTRADAY_WS_BAD_MESSAGE"],
    ["an empty list", '{"subscribe":[]}', "INTRADAY_WS_BAD_MESSAGE"],
    ["a bad id", '{"subscribe":["ok","not ok"]}', "INTRADAY_WS_BAD_MESSAGE"],
    ["a non-string id", '{"subscribe":[1]}', "INTRADAY_WS_BAD_MESSAGE"],
    ["too many ids", '{"subscribe":["a","b","c","d"]}', "INTRADAY_WS_TOO_MANY_IDS"],
    ["32k-deep nesting", `{"subscribe":${"[".repeat(32_000)}${"]".repeat(32_000)}}`, "INTRADAY_WS_BAD_MESSAGE"],
  ])("refuses %s with %s", (_name, text, code) => {
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
