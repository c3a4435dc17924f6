import { describe, expect, it } from "vitest";
import { bearerToken, originAllowed } from "./security.ts";
import { charsetOf } from "./request-guards.ts";

describe("bearerToken", () => {
  it.each([
    ["Bearer k1", "k1"],
    ["bearer k1", "k1"],
    ["BEARER   k1 ", "k1"],
    ["Basic k1", undefined],
    ["Bearer", undefined],
    ["Bearer ", undefined],
    [undefined, undefined],
  ])("%j → %j", (header, token) => expect(bearerToken(header)).toBe(token));
});

describe("originAllowed (websocket upgrades)", () => {
  it("allows non-browser clients (no Origin)", () => expect(originAllowed(undefined, "127.0.0.1:3000", [])).toBe(true));
  it("without an allow-list, only the server's own host", () => {
    expect(originAllowed("http://127.0.0.1:3000", "127.0.0.1:3000", [])).toBe(true);
    expect(originAllowed("https://evil.example", "127.0.0.1:3000", [])).toBe(false);
    expect(originAllowed("null", "127.0.0.1:3000", [])).toBe(false);
  });
  it("with an allow-list, exactly the listed origins", () => {
    expect(originAllowed("https://ops.example.com", "10.0.0.1:3000", ["https://ops.example.com"])).toBe(true);
    expect(originAllowed("https://ops.example.com.evil", "10.0.0.1:3000", ["https://ops.example.com"])).toBe(false);
  });
});

describe("charsetOf", () => {
  it.each([
    ["application/json", undefined],
    ["application/json; charset=UTF-8", "utf-8"],
    ['application/json;charset="latin1"', "latin1"],
  ])("%j → %j", (type, charset) => expect(charsetOf(type)).toBe(charset));
});
