import { describe, expect, it } from "vitest";
import { idleMsOfProcStat } from "../../bench/clock.js";

describe("idleMsOfProcStat", () => {
  it("adds idle and iowait of the aggregate cpu line, in milliseconds", () => {
    const stat = [
      "cpu  4705 356 584 3699 23 0 277 5 0 0",
      "cpu0 2352 178 292 1849 12 0 138 2 0 0",
      "intr 114930548 113199788 3 0 5 263 0 4",
    ].join("\n");
    // (3699 idle + 23 iowait) ticks of 10 ms
    expect(idleMsOfProcStat(stat)).toBe(37_220);
  });

  it("is null without an aggregate line, and counts no iowait where an old kernel has no column", () => {
    expect(idleMsOfProcStat("cpu0 1 2 3 4 5\n")).toBeNull();
    expect(idleMsOfProcStat("cpu  1 2 3 40\n")).toBe(400);
  });
});
