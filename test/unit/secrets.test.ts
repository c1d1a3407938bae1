import { generateKeyPairSync, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { Webhook } from "svix";
import {
  decodeStandardSecret,
  displayedSecret,
  generateSecret,
  parseSecret,
  secretFitsScheme,
} from "../../src/domain/secrets.js";

function ed25519Secret(): { secret: string; publicKey: Buffer } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const seed = Buffer.from(privateKey.export({ format: "jwk" }).d ?? "", "base64url");
  const pub = Buffer.from(publicKey.export({ format: "jwk" }).x ?? "", "base64url");
  return { secret: `whsk_${Buffer.concat([seed, pub]).toString("base64")}`, publicKey: pub };
}

describe("generateSecret", () => {
  it("is whsec_ + base64 of 24 random bytes, as Svix generates", () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(decodeStandardSecret(secret)).toMatchObject({ kind: "hmac" });
    expect(generateSecret()).not.toBe(secret);
  });

  it("is accepted by the svix SDK's verifier", () => {
    const secret = generateSecret();
    const webhook = new Webhook(secret);
    const timestamp = new Date();
    const signature = webhook.sign("msg_1", timestamp, '{"a":1}');
    const headers = {
      "svix-id": "msg_1",
      "svix-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
      "svix-signature": signature,
    };
    expect(() => webhook.verify('{"a":1}', headers)).not.toThrow();
    expect(() => new Webhook(generateSecret()).verify('{"a":1}', headers)).toThrow();
  });
});

describe("parseSecret for standard endpoints", () => {
  it("accepts whsec_ with 24 to 75 bytes", () => {
    for (const bytes of [24, 32, 75]) {
      const secret = `whsec_${randomBytes(bytes).toString("base64")}`;
      expect(parseSecret(secret, "standard"), String(bytes)).toEqual({ key: secret });
    }
  });

  it("refuses too short, too long and non-base64 keys", () => {
    expect(parseSecret(`whsec_${randomBytes(23).toString("base64")}`, "standard")).toHaveProperty("problem");
    expect(parseSecret(`whsec_${randomBytes(76).toString("base64")}`, "standard")).toHaveProperty("problem");
    expect(parseSecret("whsec_not base64 at all, sorry!!!!!!!", "standard")).toHaveProperty("problem");
    expect(parseSecret("whsec_", "standard")).toHaveProperty("problem");
  });

  it("accepts Svix Cloud's unprefixed base64 and stores it with whsec_", () => {
    const raw = randomBytes(24).toString("base64");
    expect(parseSecret(raw, "standard")).toEqual({ key: `whsec_${raw}` });
    expect(parseSecret("short", "standard")).toHaveProperty("problem");
  });

  it("accepts an ed25519 key pair and shows only its public key", () => {
    const { secret, publicKey } = ed25519Secret();
    expect(parseSecret(secret, "standard")).toEqual({ key: secret });
    expect(displayedSecret(secret)).toBe(`whpk_${publicKey.toString("base64")}`);
  });

  it("refuses an ed25519 pair whose public half does not match", () => {
    const { secret } = ed25519Secret();
    const other = ed25519Secret();
    const bytes = Buffer.from(secret.slice(5), "base64");
    const mismatched = Buffer.concat([bytes.subarray(0, 32), other.publicKey]);
    expect(parseSecret(`whsk_${mismatched.toString("base64")}`, "standard")).toHaveProperty("problem");
    expect(parseSecret(`whsk_${randomBytes(32).toString("base64")}`, "standard")).toHaveProperty("problem");
  });

  it("applies the standard rules to endpoints that do not sign (their key may be used later)", () => {
    expect(parseSecret("my-plain-secret", "none")).toHaveProperty("problem");
  });
});

describe("parseSecret for hmac endpoints", () => {
  it("keeps any 8 to 256 printable characters unchanged", () => {
    expect(parseSecret("my-github-secret", "hmac")).toEqual({ key: "my-github-secret" });
    expect(parseSecret("12345678", "hmac")).toEqual({ key: "12345678" });
    expect(parseSecret("x".repeat(256), "hmac")).toHaveProperty("key");
  });

  it("refuses short, long and non-printable secrets", () => {
    expect(parseSecret("1234567", "hmac")).toHaveProperty("problem");
    expect(parseSecret("x".repeat(257), "hmac")).toHaveProperty("problem");
    expect(parseSecret("secret\nwith newline", "hmac")).toHaveProperty("problem");
    expect(parseSecret("sécret-with-accent", "hmac")).toHaveProperty("problem");
  });
});

describe("secretFitsScheme", () => {
  it("tells whether a stored key can sign under a scheme", () => {
    expect(secretFitsScheme(generateSecret(), "standard")).toBe(true);
    expect(secretFitsScheme(generateSecret(), "hmac")).toBe(true);
    expect(secretFitsScheme("my-github-secret", "standard")).toBe(false);
    expect(secretFitsScheme("my-github-secret", "hmac")).toBe(true);
  });
});

describe("displayedSecret", () => {
  it("shows symmetric and hmac keys as they are", () => {
    const secret = generateSecret();
    expect(displayedSecret(secret)).toBe(secret);
    expect(displayedSecret("my-github-secret")).toBe("my-github-secret");
  });
});
