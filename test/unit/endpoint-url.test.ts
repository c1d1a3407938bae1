import { describe, expect, it } from "vitest";
import { ENDPOINT_URL_MAX_LENGTH, normaliseEndpointUrl } from "../../src/domain/endpoint-url.js";

describe("normaliseEndpointUrl", () => {
  it("gives a bare host a trailing slash, as Svix does", () => {
    expect(normaliseEndpointUrl("https://example.com")).toEqual({ url: "https://example.com/" });
    expect(normaliseEndpointUrl("http://127.0.0.1:8080")).toEqual({ url: "http://127.0.0.1:8080/" });
  });

  it("keeps paths, queries and ports, and lower-cases scheme and host", () => {
    expect(normaliseEndpointUrl("HTTPS://Example.COM:8443/Hook?a=1&b=2")).toEqual({
      url: "https://example.com:8443/Hook?a=1&b=2",
    });
    expect(normaliseEndpointUrl("https://example.com:443/x")).toEqual({ url: "https://example.com/x" });
  });

  it("accepts only absolute http and https URLs", () => {
    for (const bad of [
      "ftp://example.com/",
      "javascript:alert(1)",
      "file:///etc/passwd",
      "example.com/hook",
      "/hook",
      "",
    ]) {
      expect(normaliseEndpointUrl(bad), bad).toHaveProperty("problem");
    }
    expect(normaliseEndpointUrl("ftp://example.com/")).toEqual({
      problem: "Endpoint URL schemes must be http or https",
    });
  });

  it("rejects surrounding whitespace instead of silently trimming it", () => {
    expect(normaliseEndpointUrl(" https://example.com/")).toHaveProperty("problem");
    expect(normaliseEndpointUrl("https://example.com/\n")).toHaveProperty("problem");
  });

  it("limits the length to 65536 characters", () => {
    const base = "https://example.com/";
    expect(normaliseEndpointUrl(base + "a".repeat(ENDPOINT_URL_MAX_LENGTH - base.length))).toHaveProperty(
      "url",
    );
    expect(normaliseEndpointUrl(base + "a".repeat(ENDPOINT_URL_MAX_LENGTH - base.length + 1))).toHaveProperty(
      "problem",
    );
  });
});
