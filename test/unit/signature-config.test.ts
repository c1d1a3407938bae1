import { describe, expect, it } from "vitest";
import { resolveSignatureConfig } from "../../src/domain/signature-config.js";

describe("resolveSignatureConfig", () => {
  it("passes standard and none through", () => {
    expect(resolveSignatureConfig({ scheme: "standard" })).toEqual({ config: { scheme: "standard" } });
    expect(resolveSignatureConfig({ scheme: "none" })).toEqual({ config: { scheme: "none" } });
  });

  it("fills omitted hmac fields with Herald's defaults", () => {
    expect(resolveSignatureConfig({ scheme: "hmac" })).toEqual({
      config: {
        scheme: "hmac",
        algorithm: "sha256",
        encoding: "hex",
        header: "X-Signature",
        prefix: "",
        signedContent: "body",
      },
    });
  });

  it("keeps given hmac fields", () => {
    const config = {
      scheme: "hmac",
      algorithm: "sha1",
      encoding: "base64",
      header: "X-Hub-Signature",
      prefix: "sha1=",
      signedContent: "timestamp.body",
    } as const;
    expect(resolveSignatureConfig(config)).toEqual({ config });
  });

  it("refuses a forbidden or invalid header name and a prefix with spaces", () => {
    expect(resolveSignatureConfig({ scheme: "hmac", header: "Content-Type" })).toEqual({
      problems: [["header", "Header name is not allowed: Content-Type"]],
    });
    expect(resolveSignatureConfig({ scheme: "hmac", header: "X Sig" })).toHaveProperty("problems");
    expect(resolveSignatureConfig({ scheme: "hmac", header: "svix-signature" })).toHaveProperty("problems");
    expect(resolveSignatureConfig({ scheme: "hmac", prefix: "sha 256=" })).toHaveProperty("problems");
  });
});
