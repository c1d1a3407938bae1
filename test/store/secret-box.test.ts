import { describe, expect, it } from "vitest";
import { aesGcmCipher } from "../../src/lib/secret-box.js";

describe("aesGcmCipher", () => {
  const cipher = aesGcmCipher(Buffer.alloc(32, 1));

  it("round-trips, with a fresh IV per value", () => {
    const secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    const a = cipher.encrypt(secret);
    const b = cipher.encrypt(secret);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(cipher.decrypt(a)).toBe(secret);
    expect(cipher.decrypt(b)).toBe(secret);
  });

  it("refuses a wrong key, a tampered value and an unknown format", () => {
    const stored = cipher.encrypt("whsec_abc");
    expect(() => aesGcmCipher(Buffer.alloc(32, 2)).decrypt(stored)).toThrow();
    const [version, iv, tag, body] = stored.split(".") as [string, string, string, string];
    const flipped = Buffer.from(body, "base64url");
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(() => cipher.decrypt([version, iv, tag, flipped.toString("base64url")].join("."))).toThrow();
    expect(() => cipher.decrypt("whsec_abc")).toThrow(/format/);
  });

  it("requires a 32-byte key", () => {
    expect(() => aesGcmCipher(Buffer.alloc(16))).toThrow(/32 bytes/);
  });
});
