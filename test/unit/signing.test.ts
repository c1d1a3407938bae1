import { execFileSync } from "node:child_process";
import { createPublicKey, generateKeyPairSync, randomBytes, verify } from "node:crypto";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { Webhook as SvixWebhook } from "svix";
import { describe, expect, it } from "vitest";
import { decodeStandardSecret, displayedSecret } from "../../src/domain/secrets.js";
import {
  HMAC_TIMESTAMP_HEADER,
  hmacSignature,
  signatureHeaders,
  standardSignature,
  toSigningKey,
  type SigningKey,
} from "../../src/domain/signing.js";
import type { SignatureConfig } from "../../src/domain/types.js";

// Secret parsing lives in secrets.ts; decoding `whsec_` here keeps these tests about signing alone.
function hmacKey(secret: string): SigningKey {
  return { kind: "hmac", key: Buffer.from(secret.replace(/^whsec_/, ""), "base64") };
}

function newSecret(): string {
  return `whsec_${randomBytes(24).toString("base64")}`;
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

type HmacConfig = Extract<SignatureConfig, { scheme: "hmac" }>;
function hmacConfig(overrides: Partial<HmacConfig> = {}): HmacConfig {
  return {
    scheme: "hmac",
    algorithm: "sha256",
    encoding: "hex",
    header: "X-Signature",
    prefix: "",
    signedContent: "body",
    ...overrides,
  };
}

describe("standard signatures", () => {
  it("reproduces the published Standard Webhooks / Svix test vector", () => {
    // Vector from the Standard Webhooks reference libraries' tests and Svix's verification docs.
    const signature = standardSignature("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}', [
      hmacKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
    ]);
    expect(signature).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });

  it("signs the bytes, whether they come as a Buffer or a string", () => {
    const key = hmacKey(newSecret());
    const body = '{"name":"Zoë ✓ 日本 🚀"}';
    expect(standardSignature("msg_1", 1700000000, Buffer.from(body), [key])).toBe(
      standardSignature("msg_1", 1700000000, body, [key]),
    );
  });

  it("is accepted by the standardwebhooks and svix verifiers", () => {
    const secret = newSecret();
    const body = JSON.stringify({
      type: "invoice.paid",
      data: { id: "in_1", note: "Zoë ✓ 日本 🚀", amount: 12.5 },
    });
    const headers = signatureHeaders({
      config: { scheme: "standard" },
      headerStyle: "both",
      msgId: "msg_2abc",
      timestampSeconds: nowSeconds(),
      body: Buffer.from(body),
      keys: [hmacKey(secret)],
    });
    expect(new StandardWebhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new SvixWebhook(secret).verify(body, headers)).not.toThrow();
    expect(() => new SvixWebhook(newSecret()).verify(body, headers)).toThrow();
    expect(() => new SvixWebhook(secret).verify(`${body} `, headers)).toThrow();
  });

  it.each(["svix", "webhook"] as const)("is verifiable with only the %s-* header names", (headerStyle) => {
    const secret = newSecret();
    const body = '{"a":1}';
    const headers = signatureHeaders({
      config: { scheme: "standard" },
      headerStyle,
      msgId: "msg_1",
      timestampSeconds: nowSeconds(),
      body,
      keys: [hmacKey(secret)],
    });
    expect(Object.keys(headers).sort()).toEqual(
      [`${headerStyle}-id`, `${headerStyle}-signature`, `${headerStyle}-timestamp`].sort(),
    );
    expect(() => new SvixWebhook(secret).verify(body, headers)).not.toThrow();
    if (headerStyle === "webhook")
      expect(() => new StandardWebhook(secret).verify(body, headers)).not.toThrow();
  });

  it("sends both trios, with the same values, in the 'both' style", () => {
    const headers = signatureHeaders({
      config: { scheme: "standard" },
      headerStyle: "both",
      msgId: "msg_stable",
      timestampSeconds: 1700000000,
      body: "{}",
      keys: [hmacKey(newSecret())],
    });
    expect(headers["svix-id"]).toBe("msg_stable");
    expect(headers["webhook-id"]).toBe("msg_stable");
    expect(headers["svix-timestamp"]).toBe("1700000000");
    expect(headers["webhook-timestamp"]).toBe("1700000000");
    expect(headers["svix-signature"]).toBe(headers["webhook-signature"]);
    expect(Object.keys(headers)).toHaveLength(6);
  });

  it("signs with every live key during a rotation, each verifying on its own", () => {
    const [current, old1, old2] = [newSecret(), newSecret(), newSecret()];
    const body = '{"rotated":true}';
    const headers = signatureHeaders({
      config: { scheme: "standard" },
      headerStyle: "both",
      msgId: "msg_rot",
      timestampSeconds: nowSeconds(),
      body,
      keys: [hmacKey(current), hmacKey(old1), hmacKey(old2)],
    });
    const entries = headers["webhook-signature"]!.split(" ");
    expect(entries).toHaveLength(3);
    for (const entry of entries) expect(entry).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    for (const secret of [current, old1, old2]) {
      expect(() => new SvixWebhook(secret).verify(body, headers)).not.toThrow();
      expect(() => new StandardWebhook(secret).verify(body, headers)).not.toThrow();
    }
    expect(() => new SvixWebhook(newSecret()).verify(body, headers)).toThrow();
  });

  it("signs with ed25519 as a v1a entry that node:crypto verifies, next to v1 entries", () => {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const hmacSecret = newSecret();
    const body = '{"asymmetric":"✓"}';
    const timestamp = nowSeconds();
    const signature = standardSignature("msg_ed", timestamp, body, [
      { kind: "ed25519", privateKey },
      hmacKey(hmacSecret),
    ]);
    const [edEntry, hmacEntry] = signature.split(" ");
    expect(edEntry).toMatch(/^v1a,/);
    expect(hmacEntry).toMatch(/^v1,/);
    const edSignature = Buffer.from(edEntry!.slice("v1a,".length), "base64");
    expect(edSignature).toHaveLength(64);
    const signed = Buffer.from(`msg_ed.${timestamp}.${body}`);
    expect(
      verify(null, signed, createPublicKey(publicKey.export({ format: "pem", type: "spki" })), edSignature),
    ).toBe(true);
    expect(verify(null, Buffer.from(`msg_ed.${timestamp}.{}`), publicKey, edSignature)).toBe(false);
    // Verifiers that only know v1 skip the v1a entry and still accept the v1 one.
    const headers = {
      "webhook-id": "msg_ed",
      "webhook-timestamp": String(timestamp),
      "webhook-signature": signature,
    };
    expect(() => new StandardWebhook(hmacSecret).verify(body, headers)).not.toThrow();
  });

  it("signs with keys decoded from stored whsec_ and whsk_ secrets", () => {
    const published = decodeStandardSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    if (published === null) throw new Error("the published secret should decode");
    expect(
      standardSignature("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}', [
        toSigningKey(published),
      ]),
    ).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");

    const { privateKey } = generateKeyPairSync("ed25519");
    const jwk = privateKey.export({ format: "jwk" });
    const keyPair = Buffer.concat([Buffer.from(jwk.d!, "base64url"), Buffer.from(jwk.x!, "base64url")]);
    const secret = `whsk_${keyPair.toString("base64")}`;
    const decoded = decodeStandardSecret(secret);
    if (decoded === null) throw new Error("the whsk_ secret should decode");
    const signature = standardSignature("msg_ed", 1700000000, "{}", [toSigningKey(decoded)]);
    // A receiver holds only the whpk_ public key that GET …/secret shows.
    const publicKey = createPublicKey({
      key: {
        kty: "OKP",
        crv: "Ed25519",
        x: Buffer.from(displayedSecret(secret).slice(5), "base64").toString("base64url"),
      },
      format: "jwk",
    });
    const edSignature = Buffer.from(signature.slice("v1a,".length), "base64");
    expect(verify(null, Buffer.from("msg_ed.1700000000.{}"), publicKey, edSignature)).toBe(true);
  });

  it("refuses to sign without a key, or with a millisecond timestamp", () => {
    expect(() => standardSignature("msg_1", 1700000000, "{}", [])).toThrow(/at least one/);
    expect(() => standardSignature("msg_1", Date.now(), "{}", [hmacKey(newSecret())])).toThrow(RangeError);
    expect(() => standardSignature("msg_1", 1700000000.5, "{}", [hmacKey(newSecret())])).toThrow(RangeError);
  });
});

describe("hmac signatures", () => {
  // Expected digests were computed independently with OpenSSL 3.0; each command is written next to its value.
  const body = '{"id":"evt_1","amount":100}';

  it("matches GitHub's published X-Hub-Signature-256 example", () => {
    // printf '%s' 'Hello, World!' | openssl dgst -sha256 -hmac "It's a Secret to Everybody" -hex
    const config = hmacConfig({ header: "X-Hub-Signature-256", prefix: "sha256=" });
    expect(
      signatureHeaders({ ...hmacInput(config, "It's a Secret to Everybody"), body: "Hello, World!" }),
    ).toEqual({
      "x-hub-signature-256": "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
    });
  });

  it("supports sha1 with base64", () => {
    // printf '%s' '{"id":"evt_1","amount":100}' | openssl dgst -sha1 -hmac 'plain-secret-1' -binary | openssl base64 -A
    const config = hmacConfig({ algorithm: "sha1", encoding: "base64" });
    expect(hmacSignature(config, "plain-secret-1", 1700000000, body)).toBe("d1iyRXaIsK97VgAN86Tqb41nNys=");
  });

  it("supports sha512 with hex", () => {
    // printf '%s' '{"id":"evt_1","amount":100}' | openssl dgst -sha512 -hmac 'plain-secret-1' -hex
    const config = hmacConfig({ algorithm: "sha512" });
    expect(hmacSignature(config, "plain-secret-1", 1700000000, Buffer.from(body))).toBe(
      "71f87af43bdc67cf8b0c4bd324a9e2a72e9b915747db9e180ad02232fe727b15" +
        "344e5a3997514aace863f6065ade47ac500c5b374ebd7e086eac9d3ceac6bcf0",
    );
  });

  it("signs '{timestamp}.{body}' and sends the timestamp header for timestamp.body", () => {
    // printf '%s' '1700000000.{"id":"evt_1","amount":100}' | openssl dgst -sha256 -hmac 'whsec_notbase64!!' -hex
    const hex = hmacConfig({ signedContent: "timestamp.body", header: "Signature", prefix: "v0=" });
    expect(signatureHeaders({ ...hmacInput(hex, "whsec_notbase64!!"), body })).toEqual({
      signature: "v0=12b937cd1cd24e63cdfc13f1498ced29e26765dceac6112bec25d3f6f91d927d",
      [HMAC_TIMESTAMP_HEADER]: "1700000000",
    });
    // ... | openssl dgst -sha256 -hmac 'whsec_notbase64!!' -binary | openssl base64 -A
    const base64 = hmacConfig({ signedContent: "timestamp.body", encoding: "base64" });
    expect(hmacSignature(base64, "whsec_notbase64!!", 1700000000, body)).toBe(
      "Erk3zRzSTmPN/BPxSYztKeJnZdzqxhEr7CXT9vkdkn0=",
    );
  });

  it("uses the secret's UTF-8 bytes as the key, a whsec_ prefix included", () => {
    // printf '%s' '{"name":"Zoë ✓ 日本"}' | openssl dgst -sha256 -hmac 'clé-secrète-ü' -hex
    expect(hmacSignature(hmacConfig(), "clé-secrète-ü", 1700000000, '{"name":"Zoë ✓ 日本"}')).toBe(
      "7b8201714e84f34bfd8f54b00ee3dfb30d1c82edcba4aafa446d7d4f818d6c49",
    );
    // A whsec_ string is not base64-decoded under hmac: all of it, prefix included, is the key.
    // printf '%s' '{"test": 2432232314}' | openssl dgst -sha256 -hmac 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' -binary \
    //   | openssl base64 -A
    const base64 = hmacConfig({ encoding: "base64" });
    expect(hmacSignature(base64, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 1, '{"test": 2432232314}')).toBe(
      "gOyKic480iEzoQZsrstNBP6nRnZXyFFNcX7ELDilyUw=",
    );
  });

  it("sends no timestamp header when only the body is signed", () => {
    expect(Object.keys(signatureHeaders({ ...hmacInput(hmacConfig(), "plain-secret-1"), body }))).toEqual([
      "x-signature",
    ]);
  });

  it.runIf(opensslAvailable())("agrees with openssl on random secrets and bodies", () => {
    for (const algorithm of ["sha256", "sha1", "sha512"] as const) {
      const secret = randomBytes(18).toString("base64url");
      const payload = `{"n":"${randomBytes(200).toString("base64")}","é":"✓"}`;
      const expected = execFileSync("openssl", ["dgst", `-${algorithm}`, "-hmac", secret, "-hex", "-r"], {
        input: `1700000000.${payload}`,
      })
        .toString()
        .split(" ")[0];
      const config = hmacConfig({ algorithm, signedContent: "timestamp.body" });
      expect(hmacSignature(config, secret, 1700000000, payload)).toBe(expected);
    }
  });

  it("needs the secret", () => {
    expect(() => signatureHeaders({ ...hmacInput(hmacConfig(), "x"), hmacSecret: undefined })).toThrow(
      /secret/,
    );
  });
});

describe("no signature", () => {
  it("sends no signature headers", () => {
    expect(
      signatureHeaders({
        config: { scheme: "none" },
        headerStyle: "both",
        msgId: "msg_1",
        timestampSeconds: 1700000000,
        body: "{}",
        keys: [],
      }),
    ).toEqual({});
  });
});

function hmacInput(config: HmacConfig, secret: string) {
  return {
    config,
    headerStyle: "both" as const,
    msgId: "msg_1",
    timestampSeconds: 1700000000,
    body: "{}",
    keys: [],
    hmacSecret: secret,
  };
}

function opensslAvailable(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
