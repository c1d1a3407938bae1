import { describe, expect, it } from "vitest";
import { TtlCache } from "../../src/lib/ttl-cache.js";

describe("TtlCache", () => {
  it("forgets entries after the TTL", () => {
    let now = 1000;
    const cache = new TtlCache<string, number>(100, 10, () => now);
    cache.set("a", 1);
    expect(cache.get("a")).toBe(1);
    now += 99;
    expect(cache.get("a")).toBe(1);
    now += 1;
    expect(cache.get("a")).toBeUndefined();
  });

  it("keeps at most maxEntries, dropping the oldest", () => {
    const cache = new TtlCache<number, number>(10_000, 3);
    for (let i = 0; i < 5; i++) cache.set(i, i);
    expect([0, 1, 2, 3, 4].map((i) => cache.get(i))).toEqual([undefined, undefined, 2, 3, 4]);
  });

  it("deletes and clears", () => {
    const cache = new TtlCache<string, number>(10_000, 3);
    cache.set("a", 1);
    cache.set("b", 2);
    cache.delete("a");
    expect(cache.get("a")).toBeUndefined();
    cache.clear();
    expect(cache.get("b")).toBeUndefined();
  });
});
