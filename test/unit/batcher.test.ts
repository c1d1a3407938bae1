import { describe, expect, it } from "vitest";
import { Batcher } from "../../src/lib/batcher.js";

class Overflow extends Error {}

function recordingBatcher(options: { maxBatchSize?: number; maxPending?: number; delayMs?: number } = {}) {
  const batches: number[][] = [];
  const batcher = new Batcher<number, string>({
    maxBatchSize: options.maxBatchSize ?? 100,
    maxPending: options.maxPending ?? 1000,
    overflowError: () => new Overflow("full"),
    run: async (items) => {
      batches.push(items);
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      return items.map((item) => `r${item}`);
    },
  });
  return { batcher, batches };
}

describe("Batcher", () => {
  it("hands everything submitted in one turn to one call and gives each caller its own result", async () => {
    const { batcher, batches } = recordingBatcher();
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => batcher.submit(n)));
    expect(results).toEqual(["r1", "r2", "r3", "r4", "r5"]);
    expect(batches).toEqual([[1, 2, 3, 4, 5]]);
  });

  it("splits beyond the maximum batch size and keeps order", async () => {
    const { batcher, batches } = recordingBatcher({ maxBatchSize: 2 });
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => batcher.submit(n)));
    expect(results).toEqual(["r1", "r2", "r3", "r4", "r5"]);
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it("runs one batch at a time; items arriving meanwhile form the next batch", async () => {
    const { batcher, batches } = recordingBatcher({ delayMs: 20 });
    const first = batcher.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    // The first batch is in flight now; these three wait for it and then go together.
    const later = [2, 3, 4].map((n) => batcher.submit(n));
    expect(batcher.pending).toBe(3);
    await Promise.all([first, ...later]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it("rejects at once beyond the pending cap instead of buffering without bound", async () => {
    const { batcher, batches } = recordingBatcher({ maxPending: 3 });
    const accepted = [1, 2, 3].map((n) => batcher.submit(n));
    await expect(batcher.submit(4)).rejects.toBeInstanceOf(Overflow);
    expect(await Promise.all(accepted)).toEqual(["r1", "r2", "r3"]);
    expect(batches).toEqual([[1, 2, 3]]);
    await expect(batcher.submit(5)).resolves.toBe("r5");
  });

  it("bounds the summed weight of waiting items, but always lets one item in", async () => {
    const batches: string[][] = [];
    const batcher = new Batcher<string, number>({
      maxBatchSize: 100,
      maxPending: 100,
      maxPendingWeight: 10,
      weightOf: (item) => item.length,
      overflowError: () => new Overflow("too heavy"),
      run: (items) => {
        batches.push(items);
        return Promise.resolve(items.map((item) => item.length));
      },
    });
    const huge = batcher.submit("x".repeat(50));
    await expect(huge).resolves.toBe(50);
    const fits = [batcher.submit("aaaa"), batcher.submit("bbbbbb")];
    await expect(batcher.submit("c")).rejects.toBeInstanceOf(Overflow);
    expect(await Promise.all(fits)).toEqual([4, 6]);
    // Flushed items no longer count.
    await expect(batcher.submit("dddddddd")).resolves.toBe(8);
    expect(batches).toEqual([["x".repeat(50)], ["aaaa", "bbbbbb"], ["dddddddd"]]);
  });

  it("fails every item of a batch whose call throws, and carries on with the next batch", async () => {
    let calls = 0;
    const batcher = new Batcher<number, number>({
      maxBatchSize: 10,
      maxPending: 100,
      overflowError: () => new Overflow(),
      run: (items) => {
        calls++;
        if (calls === 1) return Promise.reject(new Error("database down"));
        return Promise.resolve(items.map((n) => n * 10));
      },
    });
    const failed = [1, 2].map((n) => batcher.submit(n));
    await expect(failed[0]).rejects.toThrow("database down");
    await expect(failed[1]).rejects.toThrow("database down");
    await expect(batcher.submit(3)).resolves.toBe(30);
  });

  it("fails the batch when the call returns the wrong number of results", async () => {
    const batcher = new Batcher<number, number>({
      maxBatchSize: 10,
      maxPending: 100,
      overflowError: () => new Overflow(),
      run: () => Promise.resolve([1]),
    });
    const results = await Promise.allSettled([batcher.submit(1), batcher.submit(2)]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
  });

  it("idle() resolves once everything submitted has been handled", async () => {
    const { batcher } = recordingBatcher({ delayMs: 10 });
    await batcher.idle();
    let settled = 0;
    for (const n of [1, 2, 3]) void batcher.submit(n).then(() => settled++);
    await batcher.idle();
    expect(settled).toBe(3);
  });
});
