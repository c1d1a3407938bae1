import { describe, expect, it } from "vitest";
import { buildReport, renderMarkdown, type BenchSettings } from "../../bench/report.js";
import { spread } from "../../bench/stats.js";
import { summarizeRows, type RunRecord } from "../../bench/summary.js";
import { evaluateTargets, type TargetDefinition } from "../../bench/targets.js";

function run(
  scenario: string,
  round: number,
  values: Record<string, number>,
  extra: Partial<RunRecord> = {},
): RunRecord {
  return {
    scenario,
    backend: "sqlite",
    measurements: Object.entries(values).map(([label, value]) => ({ label, unit: "", value })),
    notes: [`run ${round} of ${scenario}`],
    round,
    elapsedMs: 1000,
    ...extra,
  };
}

describe("spread", () => {
  it("takes the middle value of an odd count and the mean of the middle two of an even one", () => {
    expect(spread([5, 1, 3])).toEqual({ median: 3, min: 1, max: 5, count: 3 });
    expect(spread([4, 1, 3, 10])).toEqual({ median: 3.5, min: 1, max: 10, count: 4 });
  });

  it("leaves out values that were not measured, and has none when no value was", () => {
    expect(spread([Number.NaN, 2, 6])).toEqual({ median: 4, min: 2, max: 6, count: 2 });
    expect(spread([Number.NaN])).toBeNull();
  });
});

describe("summarizeRows", () => {
  it("leaves void runs out of the medians", () => {
    const [row] = summarizeRows([
      run("drain", 1, { "deliveries/s": 100 }),
      run("drain", 2, { "deliveries/s": 1_000_000 }, { void: "duplicates" }),
      run("drain", 3, { "deliveries/s": 300 }),
    ]);
    expect(row?.runs).toHaveLength(3);
    expect(row?.valid.map((r) => r.round)).toEqual([1, 3]);
    expect(row?.figures).toEqual([
      { label: "deliveries/s", unit: "", spread: { median: 200, min: 100, max: 300, count: 2 } },
    ]);
  });
});

describe("evaluateTargets", () => {
  const ratio: TargetDefinition = {
    name: "drain ≥ 50% of the ceiling",
    figure: { scenario: "drain", backend: "sqlite", label: "deliveries/s" },
    per: { scenario: "ceiling", label: "deliveries/s" },
    comparison: "≥",
    threshold: 0.5,
    display: "percent",
  };

  it("computes a ratio from the medians and says whether it meets the threshold", () => {
    const rows = summarizeRows([
      ...[1, 2, 3].map((round) => run("ceiling", round, { "deliveries/s": 1000 * round })),
      ...[1, 2, 3].map((round) => run("drain", round, { "deliveries/s": 500 + round })),
    ]);
    const [outcome] = evaluateTargets(rows, [ratio]);
    expect(outcome?.status).toBe("not met");
    expect(outcome?.value).toBeCloseTo(502 / 2000);
    expect(outcome?.measured).toBe("25% (≥ 50%)");
    const [met] = evaluateTargets(rows, [{ ...ratio, threshold: 0.25 }]);
    expect(met?.status).toBe("met");
  });

  it("says which figure is missing instead of failing when a label or a scenario is not there", () => {
    const rows = summarizeRows([
      run("drain", 1, { "deliveries/s": 500 }),
      run("ceiling", 1, { "req/s": 900 }),
    ]);
    const [renamed] = evaluateTargets(rows, [ratio]);
    expect(renamed?.status).toBe("not measured");
    expect(renamed?.basis).toBe('ceiling reports no "deliveries/s"');
    const [absent] = evaluateTargets(summarizeRows([]), [ratio]);
    expect(absent?.basis).toBe("drain on sqlite was not run; ceiling was not run");
  });

  it("does not count void runs, and needs the size a target is about", () => {
    const voided = summarizeRows([
      run("drain", 1, { "deliveries/s": Number.NaN }, { void: "ledger short" }),
      run("ceiling", 1, { "deliveries/s": 900 }),
    ]);
    expect(evaluateTargets(voided, [ratio])[0]?.basis).toBe("drain on sqlite: every run was void");

    const small = summarizeRows([
      run("backlog", 1, { "pending deliveries": 100_000, "claim p50": 3 }, { variant: "1M" }),
      run("backlog", 1, { "pending deliveries": 10_000, "claim p50": 2 }, { variant: "10k" }),
    ]);
    const claim: TargetDefinition = {
      name: "claim cost",
      figure: { scenario: "backlog", backend: "sqlite", variant: "1M", label: "claim p50" },
      per: { scenario: "backlog", backend: "sqlite", variant: "10k", label: "claim p50" },
      comparison: "≤",
      threshold: 2,
      display: "times",
      requires: {
        figure: { scenario: "backlog", backend: "sqlite", variant: "1M", label: "pending deliveries" },
        atLeast: 1_000_000,
      },
    };
    const [outcome] = evaluateTargets(small, [claim]);
    expect(outcome?.status).toBe("not measured");
    expect(outcome?.basis).toContain("fewer than the 1,000,000 the target is about");
  });
});

describe("renderMarkdown", () => {
  it("shows median and min–max of the valid runs and names each void run with its reason", () => {
    const rows = summarizeRows([
      run("drain", 1, { "deliveries/s": 100 }),
      run("drain", 2, { "deliveries/s": 9_999 }, { void: "3 deliveries arrived more than once" }),
      run("drain", 3, { "deliveries/s": 300 }),
      run("ceiling", 1, { "deliveries/s": Number.NaN }, { void: "the ledger was short" }),
      run("accept", 1, {}, { void: "the run failed: ECONNREFUSED" }),
    ]);
    const settings: BenchSettings = {
      quick: true,
      runs: 3,
      clients: 32,
      drainMessages: 2000,
      warmupMs: 250,
      durationMs: 1000,
      retryNoisy: 0,
      backends: ["sqlite"],
      scenarios: ["drain", "ceiling"],
      herald: { deliveryMaxInFlight: 256 },
      heraldFlags: [],
      layout: "test",
    };
    const report = buildReport(
      {
        date: "2026-01-02T03:04:05.000Z",
        elapsedMs: 60_000,
        machine: { cpuModel: "CPU", cores: 2, memoryBytes: 2 ** 32, os: "Linux", kernel: "#1" },
        versions: {
          node: "v20",
          herald: "0.1.0",
          packages: { pg: "8" },
          postgresServer: null,
          redisServer: "7",
        },
        settings,
      },
      rows,
      evaluateTargets(rows),
    );
    const markdown = renderMarkdown(report, rows, [
      { name: "ceiling", description: "the limit" },
      { name: "drain", description: "deliver" },
      { name: "accept", description: "accept" },
    ]);
    expect(markdown).toContain("| sqlite | 2/3 (1 void) | 200 (100–300) |");
    expect(markdown).toContain("- sqlite: void (1 of 3): run 2: 3 deliveries arrived more than once");
    expect(markdown).toContain("Herald defaults: deliveryMaxInFlight 256");
    const custom = buildReport(
      { ...report, settings: { ...settings, heraldFlags: ["--delivery-max-in-flight=512"] } },
      rows,
      report.targets,
    );
    expect(renderMarkdown(custom, rows, [])).toContain(
      "Herald settings (--delivery-max-in-flight=512): deliveryMaxInFlight 256",
    );
    expect(markdown).toContain("| sqlite | 0/1 (1 void) | void |");
    // A run that failed before measuring anything still gets its row.
    expect(markdown).toContain(
      "| backend | runs | figures |\n|---|---|---:|\n| sqlite | 0/1 (1 void) | void |",
    );
    expect(markdown).toContain("- sqlite: void (1 of 1): run 1: the run failed: ECONNREFUSED");
    expect(markdown).toContain("deliveryMaxInFlight 256");
    expect(markdown).toContain("Redis server 7");
    expect(report.rows.find((row) => row.scenario === "drain")?.figures[0]).toMatchObject({ median: 200 });
  });
});
