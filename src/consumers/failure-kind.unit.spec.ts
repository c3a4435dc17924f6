import { describe, expect, it } from "vitest";
import { RecordRejectedError } from "../shared/record-rejected-error.ts";
import { classifyFailure, failureReason, isUnavailable, isUniqueViolation } from "./failure-kind.ts";

const pg = (code: string) => Object.assign(new Error(`pg ${code}`), { code, severity: "ERROR" });
const cassandra = (code: number) => Object.assign(new Error(`cassandra ${code}`), { name: "ResponseError", code });
const named = (name: string) => Object.assign(new Error(name), { name });

describe("classifyFailure", () => {
  it("data errors of PostgreSQL are deterministic: class 22, 23, 54", () => {
    for (const code of ["22P05", "22008", "22021", "23502", "23514", "54000"]) expect(classifyFailure(pg(code)), code).toBe("deterministic");
  });
  it("an unavailable, restarting or busy PostgreSQL is transient", () => {
    for (const code of ["57P01", "57P03", "53300", "53100", "08006", "08001", "40001", "40P01", "55P03"]) expect(classifyFailure(pg(code)), code).toBe("transient");
  });
  it("network errors and driver timeouts are transient", () => {
    for (const code of ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE"]) expect(classifyFailure(Object.assign(new Error(code), { code }))).toBe("transient");
    for (const name of ["NoHostAvailableError", "OperationTimedOutError"]) expect(classifyFailure(named(name))).toBe("transient");
  });
  it("Cassandra Invalid and SyntaxError are deterministic; Unavailable, timeouts and overload are transient", () => {
    expect(classifyFailure(cassandra(0x2200))).toBe("deterministic");
    expect(classifyFailure(cassandra(0x2000))).toBe("deterministic");
    for (const code of [0x1000, 0x1001, 0x1100, 0x1200, 0x1002]) expect(classifyFailure(cassandra(code))).toBe("transient");
  });
  it("our own rejections are deterministic; anything unknown is retried", () => {
    expect(classifyFailure(new RecordRejectedError("no"))).toBe("deterministic");
    expect(classifyFailure(new Error("what?"))).toBe("transient");
    expect(classifyFailure("a string")).toBe("transient");
  });
  it("recognises unique violations and names the reason with its code", () => {
    expect(isUniqueViolation(pg("23505"))).toBe(true);
    expect(isUniqueViolation(pg("23502"))).toBe(false);
    expect(failureReason(pg("22P05"))).toBe("pg 22P05 (22P05)");
    expect(failureReason(cassandra(0x2200))).toBe("cassandra 8704 (0x2200)");
  });
});

describe("isUnavailable: only what positively says the store is down, closed or busy", () => {
  it("network codes, unavailable PostgreSQL classes, Cassandra host errors and closed clients", () => {
    expect(isUnavailable(Object.assign(new Error("refused"), { code: "ECONNREFUSED" }))).toBe(true);
    for (const code of ["57P01", "08006", "53300"]) expect(isUnavailable(pg(code)), code).toBe(true);
    expect(isUnavailable(named("NoHostAvailableError"))).toBe(true);
    for (const m of ["Client was closed and is not queryable", "Cannot use a pool after calling end on the pool", "The database connection is not open"]) expect(isUnavailable(new Error(m)), m).toBe(true);
  });
  it("data errors and unknown errors (bugs) are not outages", () => {
    expect(isUnavailable(pg("22P05"))).toBe(false);
    expect(isUnavailable(cassandra(0x2200))).toBe(false);
    expect(isUnavailable(new TypeError("x is undefined"))).toBe(false);
    expect(isUnavailable(new RecordRejectedError("no"))).toBe(false);
    expect(isUnavailable("down")).toBe(false);
  });
});
