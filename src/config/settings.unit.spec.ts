import { describe, expect, it } from "vitest";
import { loadSettings } from "./settings.ts";

describe("settings", () => {
  it("reads the sweep interval", () => {
    expect(loadSettings({ INTRADAY_SWEEP_INTERVAL_MS: "250" }).SWEEP_INTERVAL_MS).toBe(250);
  });

  it("refuses a renamed setting with its new name", () => {
    expect(() => loadSettings({ INTRADAY_TICK_INTERVAL_MS: "250" })).toThrow("INTRADAY_TICK_INTERVAL_MS was renamed INTRADAY_SWEEP_INTERVAL_MS");
  });

  it("caps the bulk fetch wait below the consumers' session timeout", () => {
    expect(loadSettings({ INTRADAY_BULK_FETCH_WAIT_MS: "5000" }).BULK_FETCH_WAIT_MS).toBe(5000);
    expect(() => loadSettings({ INTRADAY_BULK_FETCH_WAIT_MS: "10000" })).toThrow(/BULK_FETCH_WAIT_MS/);
  });

  it("allows several API processes only for an API-only instance on the real stack", () => {
    expect(loadSettings({ INTRADAY_MODE: "cluster", INTRADAY_ROLE: "api", INTRADAY_API_PROCESSES: "2" }).API_PROCESSES).toBe(2);
    expect(loadSettings({}).API_PROCESSES).toBe(1);
    expect(() => loadSettings({ INTRADAY_API_PROCESSES: "2" })).toThrow("INTRADAY_API_PROCESSES=2 needs INTRADAY_MODE=cluster and INTRADAY_ROLE=api (now embedded, all)");
    expect(() => loadSettings({ INTRADAY_MODE: "cluster", INTRADAY_API_PROCESSES: "2" })).toThrow("(now cluster, all)");
    expect(() => loadSettings({ INTRADAY_MODE: "cluster", INTRADAY_ROLE: "api", INTRADAY_API_PROCESSES: "0" })).toThrow(/INTRADAY_API_PROCESSES/);
  });
});
