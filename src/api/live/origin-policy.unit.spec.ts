import { describe, expect, it } from "vitest";
import { originAllowed, originPolicy } from "./origin-policy.ts";

describe("originAllowed", () => {
  const none = originPolicy("");

  it("allows clients without Origin (not a browser page) and same-origin pages", () => {
    expect(originAllowed(none, undefined, "127.0.0.1:3000")).toBe(true);
    expect(originAllowed(none, "http://127.0.0.1:3000", "127.0.0.1:3000")).toBe(true);
    expect(originAllowed(none, "https://Sales.Example.com", "sales.example.com")).toBe(true);
  });

  it("refuses cross-site pages, other ports, 'null' and garbage by default", () => {
    expect(originAllowed(none, "https://evil.example", "127.0.0.1:3000")).toBe(false);
    expect(originAllowed(none, "http://127.0.0.1:8080", "127.0.0.1:3000")).toBe(false);
    expect(originAllowed(none, "http://localhost:3000", "127.0.0.1:3000")).toBe(false);
    expect(originAllowed(none, "null", "127.0.0.1:3000")).toBe(false);
    expect(originAllowed(none, "not a url", "127.0.0.1:3000")).toBe(false);
    expect(originAllowed(none, "chrome-extension://abc", "abc")).toBe(false);
  });

  it("allows listed origins exactly, and any with *", () => {
    const listed = originPolicy(" https://ops.example.com , http://localhost:5173/ ");
    expect(originAllowed(listed, "https://ops.example.com", "127.0.0.1:3000")).toBe(true);
    expect(originAllowed(listed, "http://localhost:5173", "127.0.0.1:3000")).toBe(true);
    expect(originAllowed(listed, "https://ops.example.com.evil.example", "127.0.0.1:3000")).toBe(false);
    expect(originAllowed(listed, "http://ops.example.com", "127.0.0.1:3000")).toBe(false);
    expect(originAllowed(originPolicy("*"), "https://anything.example", "127.0.0.1:3000")).toBe(true);
  });
});
