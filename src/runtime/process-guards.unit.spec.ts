import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { installProcessGuards } from "./process-guards.ts";

function fakeProcess() {
  const emitter = new EventEmitter();
  const exits: number[] = [];
  const proc = Object.assign(emitter, { exit: (code?: number) => void exits.push(code ?? 0) }) as unknown as Pick<NodeJS.Process, "on" | "exit">;
  return { emitter, proc, exits };
}

describe("installProcessGuards", () => {
  it("an unhandled rejection is logged with its reason and the process keeps running", () => {
    const { emitter, proc, exits } = fakeProcess();
    const logged: [string, unknown][] = [];
    installProcessGuards({ log: (m, e) => logged.push([m, e]) }, proc);
    const reason = new TypeError("Cannot read properties of null");
    emitter.emit("unhandledRejection", reason, Promise.resolve());
    expect(logged).toEqual([[expect.stringContaining("unhandled promise rejection"), reason]]);
    expect(exits).toEqual([]);
  });

  it("an uncaught exception is logged and ends the process once with code 1 (or calls onFatal)", () => {
    const { emitter, proc, exits } = fakeProcess();
    const logged: unknown[] = [];
    installProcessGuards({ log: (_m, e) => logged.push(e) }, proc);
    emitter.emit("uncaughtException", new Error("boom"));
    emitter.emit("uncaughtException", new Error("again"));
    expect(logged).toHaveLength(2);
    expect(exits).toEqual([1]);

    const other = fakeProcess();
    const fatal: unknown[] = [];
    installProcessGuards({ log: () => {}, onFatal: (e) => fatal.push(e) }, other.proc);
    other.emitter.emit("uncaughtException", new Error("x"));
    expect(fatal).toHaveLength(1);
    expect(other.exits).toEqual([]);
  });
});
