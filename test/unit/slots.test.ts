import { describe, expect, it } from "vitest";
import { Slots } from "../../src/lib/slots.js";

describe("Slots", () => {
  it("gives each value a slot, takes it back once, and reuses freed slots", () => {
    const slots = new Slots<string>();
    const a = slots.add("a");
    const b = slots.add("b");
    expect(a).not.toBe(b);
    expect(slots.size).toBe(2);
    expect(slots.take(a)).toBe("a");
    expect(slots.take(a)).toBeUndefined();
    expect(slots.size).toBe(1);
    const c = slots.add("c");
    expect(c).toBe(a);
    expect(slots.take(c)).toBe("c");
    expect(slots.take(b)).toBe("b");
    expect(slots.size).toBe(0);
    expect(slots.take(99)).toBeUndefined();
  });

  it("visits every value held, even when the visitor takes slots as it goes", () => {
    const slots = new Slots<number>();
    for (let i = 0; i < 6; i++) slots.add(i * 10);
    slots.take(2);
    const visited: number[] = [];
    slots.forEach((value, slot) => {
      visited.push(value);
      slots.take(slot);
      // Taking a slot not yet visited means it is not visited.
      if (value === 30) slots.take(5);
    });
    expect(visited).toEqual([0, 10, 30, 40]);
    expect(slots.size).toBe(0);
  });
});
