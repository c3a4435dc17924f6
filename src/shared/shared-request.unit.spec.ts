import { afterEach, describe, expect, it, vi } from "vitest";
import { SharedRequest } from "./shared-request.ts";

describe("SharedRequest", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("answers a request with the reply to its id", async () => {
    const sent: number[] = [];
    const r = new SharedRequest<string>((id) => sent.push(id), 1_000);
    const pending = r.request();
    expect(sent).toHaveLength(1);
    r.answer(sent[0]!, "text");
    expect(await pending).toBe("text");
  });

  it("lets concurrent callers share the request in flight, then sends a new one", async () => {
    const sent: number[] = [];
    const r = new SharedRequest<string>((id) => sent.push(id), 1_000);
    const callers = Array.from({ length: 50 }, () => r.request());
    expect(sent).toHaveLength(1);
    r.answer(sent[0]!, "one");
    expect(new Set(await Promise.all(callers))).toEqual(new Set(["one"]));
    const next = r.request();
    expect(sent).toHaveLength(2);
    expect(sent[1]).not.toBe(sent[0]);
    r.answer(sent[1]!, "two");
    expect(await next).toBe("two");
  });

  it("answers undefined at once when the request cannot be sent, and sends the next one anew", async () => {
    let closed = true;
    const sent: number[] = [];
    const r = new SharedRequest<string>((id) => {
      if (closed) throw new Error("channel closed");
      sent.push(id);
    }, 60_000);
    expect(await r.request()).toBeUndefined();
    closed = false;
    const next = r.request();
    r.answer(sent[0]!, "open again");
    expect(await next).toBe("open again");
  });

  it("gives up after the wait with no answer, and ignores the late reply", async () => {
    vi.useFakeTimers();
    const sent: number[] = [];
    const r = new SharedRequest<string>((id) => sent.push(id), 500);
    const pending = r.request();
    vi.advanceTimersByTime(499);
    r.answer(sent[0]! + 1, "not mine");
    vi.advanceTimersByTime(1);
    expect(await pending).toBeUndefined();
    r.answer(sent[0]!, "late");
    const next = r.request();
    expect(sent).toHaveLength(2);
    r.answer(sent[1]!, "fresh");
    expect(await next).toBe("fresh");
  });
});
