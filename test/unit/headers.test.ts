import { describe, expect, it } from "vitest";
import {
  HEADER_VALUE_MAX_BYTES,
  headerNameProblem,
  headersProblems,
  headerValueProblem,
  MAX_CUSTOM_HEADERS,
  mergeHeaders,
  splitSensitiveHeaders,
} from "../../src/domain/headers.js";

describe("custom header rules", () => {
  it("accept ordinary header names", () => {
    for (const name of ["X-Custom", "x-request-source", "Authorization", "X-Api-Key", "Accept-Language"]) {
      expect(headerNameProblem(name), name).toBeNull();
    }
  });

  it("refuse invalid names", () => {
    for (const name of ["", "X Custom", "X:Custom", "X-Ünïcode", "X-Custom\r\n", "a".repeat(257)]) {
      expect(headerNameProblem(name), name).not.toBeNull();
    }
  });

  it("refuse Svix's forbidden names and prefixes, in any case", () => {
    for (const name of [
      "User-Agent",
      "content-type",
      "CONTENT-LENGTH",
      "Transfer-Encoding",
      "TE",
      "Cache-Control",
    ]) {
      expect(headerNameProblem(name), name).toMatch(/not allowed/);
    }
    for (const name of [
      "X-Amz-Date",
      "x-amzn-trace",
      "X-Google-Foo",
      "x-goog-bar",
      "X-GFE-x",
      "x-azure-ref",
      "X-FD-x",
      "x-svix-x",
      "Svix-Signature",
    ]) {
      expect(headerNameProblem(name), name).toMatch(/not allowed/);
    }
  });

  it("refuse the headers the sender owns and the unbranded signature headers", () => {
    for (const name of [
      "Host",
      "Connection",
      "Expect",
      "webhook-id",
      "Webhook-Signature",
      "webhook-timestamp",
    ]) {
      expect(headerNameProblem(name), name).toMatch(/not allowed/);
    }
  });

  it("refuse values with CR, LF or NUL, and values over 4096 bytes", () => {
    expect(headerValueProblem("X-A", "plain value\twith tab")).toBeNull();
    expect(headerValueProblem("X-A", "a\r\nInjected: yes")).not.toBeNull();
    expect(headerValueProblem("X-A", "a\u0000")).not.toBeNull();
    expect(headerValueProblem("X-A", "snowman ☃")).not.toBeNull();
    expect(headerValueProblem("X-A", "a".repeat(HEADER_VALUE_MAX_BYTES))).toBeNull();
    expect(headerValueProblem("X-A", "a".repeat(HEADER_VALUE_MAX_BYTES + 1))).toMatch(/4096/);
  });

  it("report every problem of a set, and names that differ only in case", () => {
    const problems = headersProblems({ "X-A": "1", "x-a": "2", "Content-Type": "x", "X-B": "bad\n" });
    expect(problems.map(([name]) => name).sort()).toEqual(["Content-Type", "X-B", "x-a"]);
  });

  it("cap the number of custom headers", () => {
    const headers = (count: number) =>
      Object.fromEntries(Array.from({ length: count }, (_, i) => [`X-H${i}`, "v"]));
    expect(headersProblems(headers(MAX_CUSTOM_HEADERS))).toEqual([]);
    expect(headersProblems(headers(MAX_CUSTOM_HEADERS + 1))).toEqual([
      [null, "At most 100 custom headers are allowed"],
    ]);
  });
});

describe("mergeHeaders", () => {
  it("sets, replaces whatever the case, removes on null and on deleteHeaders", () => {
    const merged = mergeHeaders(
      { "X-Keep": "1", "X-Replace": "old", "X-Null": "gone", "X-Delete": "gone" },
      { "x-replace": "new", "X-Null": null, "X-Added": "a" },
      ["x-delete"],
    );
    expect(merged).toEqual({ "X-Keep": "1", "x-replace": "new", "X-Added": "a" });
  });
});

describe("splitSensitiveHeaders", () => {
  it("withholds credentials and lists their names as written", () => {
    expect(
      splitSensitiveHeaders({
        Authorization: "Bearer x",
        "X-API-Key": "k",
        "X-Plain": "p",
        "x-auth-token": "t",
      }),
    ).toEqual({
      headers: { "X-Plain": "p" },
      sensitive: ["Authorization", "X-API-Key", "x-auth-token"],
    });
    expect(splitSensitiveHeaders({})).toEqual({ headers: {}, sensitive: [] });
  });
});
