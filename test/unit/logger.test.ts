import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, REDACTED } from "../../src/lib/logger.js";

function capture(): { lines: () => Record<string, unknown>[]; destination: Writable } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString("utf8"));
      done();
    },
  });
  return {
    destination,
    lines: () =>
      chunks
        .join("")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe("createLogger", () => {
  it("redacts authorization headers and fields named like secrets, keys and tokens", () => {
    const { destination, lines } = capture();
    const log = createLogger({ level: "info", destination });
    log.info(
      {
        req: { headers: { authorization: "Bearer hk_secret", "user-agent": "curl" } },
        endpoint: { secret: "whsec_abc", url: "https://example.com", signingKey: "k", monkey: "banana" },
        adminToken: "hk_x",
        encryption_key: "base64",
        apiKey: "abc",
        list: [{ password: "p", keyword: "fine" }],
      },
      "something happened",
    );
    const [line] = lines();
    expect(line).toMatchObject({
      msg: "something happened",
      req: { headers: { authorization: REDACTED, "user-agent": "curl" } },
      endpoint: { secret: REDACTED, url: "https://example.com", signingKey: REDACTED, monkey: "banana" },
      adminToken: REDACTED,
      encryption_key: REDACTED,
      apiKey: REDACTED,
      list: [{ password: REDACTED, keyword: "fine" }],
    });
    expect(JSON.stringify(line)).not.toMatch(/hk_secret|whsec_abc|hk_x/);
  });
});
