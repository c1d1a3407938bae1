import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { boundaryId, isIdOf, newId } from "../../src/domain/ids.js";
import { encodeBase62 } from "../../src/lib/base62.js";

describe("ids", () => {
  it("have Svix's shape: prefix + 27 base62 characters", () => {
    expect(newId("application")).toMatch(/^app_[0-9A-Za-z]{27}$/);
    expect(newId("endpoint")).toMatch(/^ep_[0-9A-Za-z]{27}$/);
    expect(newId("message")).toMatch(/^msg_[0-9A-Za-z]{27}$/);
    expect(newId("attempt")).toMatch(/^atmpt_[0-9A-Za-z]{27}$/);
  });

  it("sort chronologically as strings, at 4 ms resolution", () => {
    const t = Date.parse("2025-02-16T21:38:21.977Z");
    const ids = [t, t + 4, t + 1000, t + 86_400_000].map((ms) => newId("message", ms));
    expect([...ids].sort()).toEqual(ids);
  });

  it("bound every id of a given time between the first and the last id of that time", () => {
    const t = Date.parse("2025-02-16T21:38:21.977Z");
    const id = newId("message", t);
    expect(boundaryId("message", t, "first") < id).toBe(true);
    expect(boundaryId("message", t, "last") > id).toBe(true);
    expect(boundaryId("message", t - 4, "last") < id).toBe(true);
    expect(boundaryId("message", t + 4, "first") > id).toBe(true);
  });

  it("made by one process within one time step are strictly increasing", () => {
    const t = Date.parse("2025-02-16T21:38:21.977Z");
    const ids = Array.from({ length: 1000 }, () => newId("endpoint", t));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(1000);
  });

  it("are unique", () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newId("message")));
    expect(ids.size).toBe(10_000);
  });

  it("are recognised by kind", () => {
    expect(isIdOf("endpoint", newId("endpoint"))).toBe(true);
    expect(isIdOf("endpoint", newId("message"))).toBe(false);
    expect(isIdOf("endpoint", "ep_short")).toBe(false);
  });
});

function base62OfBigInt(bytes: Uint8Array, width: number): string {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  let digits = "";
  do {
    digits = alphabet[Number(n % 62n)] + digits;
    n /= 62n;
  } while (n > 0n);
  return digits.padStart(width, "0");
}

describe("encodeBase62", () => {
  it("matches BigInt arithmetic and pads to the width", () => {
    const bytes = Uint8Array.from({ length: 20 }, (_, i) => (i * 37 + 11) & 0xff);
    expect(encodeBase62(bytes, 27)).toBe(base62OfBigInt(bytes, 27));
    expect(encodeBase62(new Uint8Array(20), 27)).toBe("0".repeat(27));
    expect(encodeBase62(new Uint8Array(20).fill(0xff), 27)).toBe("aWgEPTl1tmebfsQzFP4bxwgy80V");
  });

  it("matches BigInt arithmetic for random values of every length", () => {
    for (let round = 0; round < 2_000; round++) {
      const length = 1 + (round % 33);
      const bytes = Uint8Array.from(randomBytes(length));
      const width = round % 3 === 0 ? 1 : 27;
      expect(encodeBase62(bytes, width)).toBe(base62OfBigInt(bytes, width));
    }
  });

  it("reads any length big-endian and never cuts a number to the width", () => {
    for (const length of [1, 3, 5, 7, 21, 33]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 91 + 200) & 0xff);
      expect(encodeBase62(bytes, 4)).toBe(base62OfBigInt(bytes, 4));
      expect(encodeBase62(bytes, 60)).toBe(base62OfBigInt(bytes, 60));
    }
  });
});
