/**
 * Signatures as receivers check them, end to end: `hmac` endpoints against digests computed by `openssl` from
 * the received bytes (not by Herald's code), Standard Webhooks during a secret rotation, ed25519 keys, and the
 * header naming a deployment chooses — on every backend.
 */
import { createPublicKey, generateKeyPairSync, verify as verifySignature } from "node:crypto";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { Webhook } from "svix";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS } from "../helpers/databases.js";
import { startTestHerald, type TestHerald } from "../helpers/herald.js";
import {
  createRawEndpoint,
  delay,
  headerRecord,
  opensslHmac,
  useReceivers,
  webhookHeaders,
  webhookId,
} from "./delivery-fixtures.js";

const SHARED_SECRET = "my-shared-secret";

describe.each(BACKENDS)("delivery signatures on %s", (backend) => {
  let herald: TestHerald;
  const receiver = useReceivers();

  beforeAll(async () => {
    herald = await startTestHerald({ backend, config: { role: "all", deliveryPollMs: 200 } });
  });
  afterAll(async () => {
    await herald?.stop();
  });

  async function newApp(name: string): Promise<string> {
    return (await herald.svix.application.create({ name })).id;
  }

  it("signs an hmac endpoint's body as GitHub does: X-Hub-Signature-256: sha256=<hex>", async () => {
    const rx = await receiver();
    const app = await newApp("GitHub-style");
    await createRawEndpoint(herald, app, {
      url: `${rx.url}/github`,
      secret: SHARED_SECRET,
      signature: {
        scheme: "hmac",
        algorithm: "sha256",
        encoding: "hex",
        header: "X-Hub-Signature-256",
        prefix: "sha256=",
      },
    });
    await herald.svix.message.create(app, { eventType: "push", payload: { ref: "refs/heads/main", n: 1 } });
    const [request] = await rx.waitFor(1);

    const expected = `sha256=${opensslHmac("sha256", SHARED_SECRET, request!.body, "hex")}`;
    expect(request!.headers["x-hub-signature-256"]).toBe(expected);
    expect(expected).toMatch(/^sha256=[0-9a-f]{64}$/);
    // Only the scheme's header: no Standard Webhooks trio, no timestamp header for a body-only signature.
    for (const name of ["svix-signature", "webhook-signature", "webhook-id", "x-signature-timestamp"])
      expect(request!.headers[name], name).toBeUndefined();
  });

  it("signs `timestamp.body` with the timestamp in its own header (sha512, base64)", async () => {
    const rx = await receiver();
    const app = await newApp("Timestamped");
    await createRawEndpoint(herald, app, {
      url: `${rx.url}/stamped`,
      secret: SHARED_SECRET,
      signature: { scheme: "hmac", algorithm: "sha512", encoding: "base64", signedContent: "timestamp.body" },
    });
    await herald.svix.message.create(app, { eventType: "invoice.paid", payload: { amount: 42 } });
    const [request] = await rx.waitFor(1);

    const timestamp = request!.headers["x-signature-timestamp"];
    expect(typeof timestamp).toBe("string");
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(30);
    const signed = Buffer.concat([Buffer.from(`${String(timestamp)}.`), request!.body]);
    // Herald's default header name for hmac endpoints.
    expect(request!.headers["x-signature"]).toBe(opensslHmac("sha512", SHARED_SECRET, signed, "base64"));
    expect(request!.headers["x-signature"]).not.toBe(
      opensslHmac("sha512", SHARED_SECRET, request!.body, "base64"),
    );
  });

  it("signs with the old and the new secret during a rotation's grace period; both verify", async () => {
    const rx = await receiver();
    const app = await newApp("Rotation");
    const endpoint = await herald.svix.endpoint.create(app, { url: `${rx.url}/rotation` });
    const { key: oldSecret } = await herald.svix.endpoint.getSecret(app, endpoint.id);
    await herald.svix.message.create(app, { eventType: "a", payload: { before: true } });
    const [before] = await rx.waitFor(1);
    expect(before!.headers["svix-signature"]).toMatch(/^v1,\S+$/);

    await herald.svix.endpoint.rotateSecret(app, endpoint.id, {});
    const { key: newSecret } = await herald.svix.endpoint.getSecret(app, endpoint.id);
    expect(newSecret).not.toBe(oldSecret);
    const message = await herald.svix.message.create(app, { eventType: "a", payload: { after: true } });
    const [, after] = await rx.waitFor(2);
    expect(webhookId(after!)).toBe(message.id);

    const entries = String(after!.headers["svix-signature"]).split(" ");
    expect(entries).toHaveLength(2);
    expect(entries.every((entry) => entry.startsWith("v1,"))).toBe(true);
    for (const secret of [oldSecret, newSecret]) {
      expect(() => new Webhook(secret).verify(after!.text, headerRecord(after!.headers))).not.toThrow();
      expect(new StandardWebhook(secret).verify(after!.text, webhookHeaders(after!.headers))).toEqual({
        after: true,
      });
    }
    // A secret that is neither fails.
    const { key: unrelated } = await herald.svix.endpoint.getSecret(
      app,
      (await herald.svix.endpoint.create(app, { url: `${rx.url}/unrelated`, disabled: true })).id,
    );
    expect(() => new Webhook(unrelated).verify(after!.text, headerRecord(after!.headers))).toThrow();
  });

  it("stops signing with an old secret once its grace period is over", async () => {
    const rx = await receiver();
    const app = await newApp("Expired rotation");
    const endpoint = await herald.svix.endpoint.create(app, { url: `${rx.url}/expired` });
    const { key: oldSecret } = await herald.svix.endpoint.getSecret(app, endpoint.id);
    await herald.svix.endpoint.rotateSecret(app, endpoint.id, { gracePeriodSeconds: 0 });
    const { key: newSecret } = await herald.svix.endpoint.getSecret(app, endpoint.id);
    await delay(5);
    await herald.svix.message.create(app, { eventType: "a", payload: {} });
    const [request] = await rx.waitFor(1);
    expect(String(request!.headers["svix-signature"]).split(" ")).toHaveLength(1);
    expect(() => new Webhook(newSecret).verify(request!.text, headerRecord(request!.headers))).not.toThrow();
    expect(() => new Webhook(oldSecret).verify(request!.text, headerRecord(request!.headers))).toThrow();
  });

  it("signs with ed25519 (v1a) for a whsk_ key; GET …/secret shows the public key that verifies it", async () => {
    const rx = await receiver();
    const app = await newApp("Ed25519");
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const seed = Buffer.from(privateKey.export({ format: "jwk" }).d ?? "", "base64url");
    const rawPublic = Buffer.from(publicKey.export({ format: "jwk" }).x ?? "", "base64url");
    const secret = `whsk_${Buffer.concat([seed, rawPublic]).toString("base64")}`;
    const endpoint = await herald.svix.endpoint.create(app, { url: `${rx.url}/ed25519`, secret });
    const { key: shown } = await herald.svix.endpoint.getSecret(app, endpoint.id);
    expect(shown).toBe(`whpk_${rawPublic.toString("base64")}`);

    const message = await herald.svix.message.create(app, { eventType: "a", payload: { signed: "ed" } });
    const [request] = await rx.waitFor(1);
    const signature = String(request!.headers["svix-signature"]);
    expect(signature).toMatch(/^v1a,\S+$/);
    const signed = Buffer.from(
      `${message.id}.${String(request!.headers["svix-timestamp"])}.${request!.text}`,
    );
    const key = createPublicKey({
      key: { kty: "OKP", crv: "Ed25519", x: Buffer.from(shown.slice(5), "base64").toString("base64url") },
      format: "jwk",
    });
    expect(verifySignature(null, signed, key, Buffer.from(signature.slice(4), "base64"))).toBe(true);
  });
});

describe.each(BACKENDS)("signature header names on %s", (backend) => {
  const receiver = useReceivers();

  for (const style of ["svix", "webhook"] as const) {
    it(`sends only the ${style}-* trio when HERALD_SIGNATURE_HEADERS=${style}`, async () => {
      const herald = await startTestHerald({ backend, config: { role: "all", signatureHeaders: style } });
      try {
        const rx = await receiver();
        const app = (await herald.svix.application.create({ name: style })).id;
        const endpoint = await herald.svix.endpoint.create(app, { url: `${rx.url}/${style}` });
        const { key: secret } = await herald.svix.endpoint.getSecret(app, endpoint.id);
        await herald.svix.message.create(app, { eventType: "a", payload: { style } });
        const [request] = await rx.waitFor(1);
        const other = style === "svix" ? "webhook" : "svix";
        for (const part of ["id", "timestamp", "signature"]) {
          expect(request!.headers[`${style}-${part}`], `${style}-${part}`).toBeDefined();
          expect(request!.headers[`${other}-${part}`], `${other}-${part}`).toBeUndefined();
        }
        // The svix SDK accepts either naming.
        expect(() => new Webhook(secret).verify(request!.text, headerRecord(request!.headers))).not.toThrow();
        if (style === "webhook") {
          expect(new StandardWebhook(secret).verify(request!.text, webhookHeaders(request!.headers))).toEqual(
            {
              style,
            },
          );
        }
      } finally {
        await herald.stop();
      }
    });
  }
});
