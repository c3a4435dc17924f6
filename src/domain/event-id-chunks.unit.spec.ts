import { describe, expect, it } from "vitest";
import { IncompleteEventIdsError, idsOfChunks } from "./event-id-chunks.ts";

describe("idsOfChunks", () => {
  it("joins chunks by position, in any order", () => {
    expect(idsOfChunks([{ pos: 3, ids: "d,e" }, { pos: 0, ids: "a,b,c" }], 5, "w")).toEqual(["a", "b", "c", "d", "e"]);
  });

  it("takes overlapping chunks of two writers (same ids at the same positions) once", () => {
    expect(idsOfChunks([{ pos: 0, ids: "a,b" }, { pos: 2, ids: "c,d" }, { pos: 3, ids: "d,e,f" }], 6, "w")).toEqual(["a", "b", "c", "d", "e", "f"]);
  });

  it("ignores what lies past the row's count (a chunk whose row write lost to another)", () => {
    expect(idsOfChunks([{ pos: 0, ids: "a,b" }, { pos: 2, ids: "x" }], 2, "w")).toEqual(["a", "b"]);
    expect(idsOfChunks([{ pos: 0, ids: "a,b,c" }], 2, "w")).toEqual(["a", "b"]);
    expect(idsOfChunks([{ pos: 0, ids: "" }], 0, "w")).toEqual([]);
  });

  it("refuses chunks that do not cover the count (a gap), naming the window", () => {
    expect(() => idsOfChunks([{ pos: 0, ids: "a" }, { pos: 2, ids: "c" }], 3, "store-1 w")).toThrow(IncompleteEventIdsError);
    expect(() => idsOfChunks([{ pos: 0, ids: "a" }], 2, "store-1 w")).toThrow(/store-1 w: the stored chunks hold 1 of 2/);
  });
});
