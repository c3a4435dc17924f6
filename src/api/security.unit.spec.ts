import { describe, expect, it } from "vitest";
import { bearerToken } from "./security.ts";
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

describe("charsetOf", () => {
  it.each([
    ["application/json", undefined],
    ["application/json; charset=UTF-8", "utf-8"],
    ['application/json;charset="latin1"', "latin1"],
  ])("%j → %j", (type, charset) => expect(charsetOf(type)).toBe(charset));
});
