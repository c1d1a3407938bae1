import { spawn } from "node:child_process";
import type { IncomingMessage } from "node:http";
import { join } from "node:path";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { Webhook } from "svix";
import type { AttemptRequest } from "../../src/delivery/attempts.js";
import { SendThreads } from "../../src/delivery/send-threads.js";
import type { SenderOptions } from "../../src/delivery/sender.js";
import type { EndpointSigning } from "../../src/delivery/signing-keys.js";
import { parseAllowList } from "../../src/domain/address-policy.js";
import type { EndpointId, MessageId } from "../../src/domain/ids.js";
import { decodeStandardSecret, generateSecret } from "../../src/domain/secrets.js";
import { toSigningKey } from "../../src/domain/signing.js";
import { useRouteReceiver } from "./route-receiver.js";

const rx = useRouteReceiver();
const { received, routes } = rx;

const silent = pino({ level: "silent" });

function sendThreads(threads: number, sender: Partial<SenderOptions> = {}): SendThreads {
  return new SendThreads({
    threads,
    log: silent,
    attempts: {
      signatureHeaderStyle: "webhook",
      sender: {
        allowList: parseAllowList(["127.0.0.1"]).allowList,
        userAgent: "Herald/test",
        maxResponseBytes: 64,
        connectionsPerOrigin: 4,
        maxOrigins: 10,
        ...sender,
      },
    },
  });
}

function signingWith(secret: string): EndpointSigning {
  const decoded = decodeStandardSecret(secret);
  if (!decoded) throw new Error("not a standard secret");
  return { keys: [toSigningKey(decoded)], hmacSecret: undefined };
}

const unsigned: EndpointSigning = { keys: [], hmacSecret: undefined };

/** An attempt of `payload` to `url`, signed with `signing` when given. */
function attemptOf(
  url: string,
  payload: string,
  options: {
    signing?: EndpointSigning;
    /** The endpoint object to use again (a claimed batch shares one per endpoint). */
    endpoint?: AttemptRequest["endpoint"];
    timeoutMs?: number;
    headers?: Record<string, string>;
  } = {},
): AttemptRequest {
  return {
    message: { id: `msg_${payload.length}_${Math.random().toString(36).slice(2)}` as MessageId, payload },
    endpoint: options.endpoint ?? {
      id: "ep_test" as EndpointId,
      url,
      headers: options.headers ?? {},
      payloadFormat: "json",
      signature: options.signing ? { scheme: "standard" } : { scheme: "none" },
    },
    signing: options.signing ?? unsigned,
    timestampSeconds: Math.floor(Date.now() / 1000),
    timeoutMs: options.timeoutMs ?? 2000,
  };
}

function headerRecord(headers: IncomingMessage["headers"]): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.join(", ") : (value ?? ""),
    ]),
  );
}

describe("SendThreads", () => {
  it("builds, signs and sends each attempt in a worker thread, and returns each result to its caller", async () => {
    routes.set("/echo", (_req, body, res) => res.writeHead(202).end(`got ${body}`));
    const secret = generateSecret();
    const threads = sendThreads(1);
    await threads.ready();
    try {
      const payloads = Array.from({ length: 50 }, (_, i) => `{"n":${i}}`);
      const exchanges = await Promise.all(
        payloads.map((payload) =>
          threads.attempt(
            attemptOf(`${rx.base}/echo`, payload, {
              signing: signingWith(secret),
              headers: { "X-N": payload },
            }),
          ),
        ),
      );
      expect(exchanges.map((e) => e.result.responseBody)).toEqual(payloads.map((p) => `got ${p}`));
      expect(exchanges.every((e) => e.result.statusCode === 202 && e.result.errorKind === null)).toBe(true);
      // What the delivery log records: every header sent, as the receiver got them.
      expect(JSON.parse(exchanges[0]?.requestHeaders ?? "null")).toMatchObject({
        "content-type": "application/json",
        "X-N": payloads[0],
        "user-agent": "Herald/test",
        "webhook-signature": expect.stringMatching(/^v1,/),
      });
      const echoed = received.filter((r) => r.path === "/echo");
      expect(echoed).toHaveLength(50);
      const webhook = new Webhook(secret);
      for (const request of echoed) {
        expect(request.headers["x-n"]).toBe(request.body);
        expect(request.headers["user-agent"]).toBe("Herald/test");
        expect(() => webhook.verify(request.body, headerRecord(request.headers))).not.toThrow();
      }
    } finally {
      await threads.close();
    }
  });

  it("signs with an endpoint's new keys as soon as they replace the old ones, also within one batch", async () => {
    routes.set("/rotated", (_req, _body, res) => res.writeHead(200).end());
    const [first, second, third] = [generateSecret(), generateSecret(), generateSecret()];
    const threads = sendThreads(1);
    await threads.ready();
    try {
      const before = received.length;
      const firstSigning = signingWith(first);
      // The thread learns the first signing's material…
      const endpoint = attemptOf(`${rx.base}/rotated`, "").endpoint;
      const signed = { ...endpoint, signature: { scheme: "standard" as const } };
      await threads.attempt(
        attemptOf(`${rx.base}/rotated`, `{"warm":0}`, { signing: firstSigning, endpoint: signed }),
      );
      // …then one batch (queued in the same turn) uses it by number, replaces it, and uses it again.
      const batch = [firstSigning, signingWith(second), firstSigning].map((signing, i) =>
        threads.attempt(attemptOf(`${rx.base}/rotated`, `{"batch":${i}}`, { signing, endpoint: signed })),
      );
      const exchanges = await Promise.all(batch);
      expect(exchanges.map((e) => e.result.statusCode)).toEqual([200, 200, 200]);
      // A later batch with a third signing, used twice.
      const thirdSigning = signingWith(third);
      await threads.attempt(
        attemptOf(`${rx.base}/rotated`, `{"later":0}`, { signing: thirdSigning, endpoint: signed }),
      );
      await threads.attempt(
        attemptOf(`${rx.base}/rotated`, `{"later":1}`, { signing: thirdSigning, endpoint: signed }),
      );
      const sent = received.slice(before);
      expect(sent).toHaveLength(6);
      const secretOf = (body: string) =>
        ({ '{"batch":1}': second, '{"later":0}': third, '{"later":1}': third })[body] ?? first;
      for (const request of sent) {
        const verify = () =>
          new Webhook(secretOf(request.body)).verify(request.body, headerRecord(request.headers));
        expect(verify).not.toThrow();
      }
    } finally {
      await threads.close();
    }
  });

  it("sends with an endpoint's changed URL, headers and format at once, whether or not its object is new", async () => {
    routes.set("/old", (_req, _body, res) => res.writeHead(200).end());
    routes.set("/new", (_req, _body, res) => res.writeHead(200).end());
    const threads = sendThreads(1);
    await threads.ready();
    try {
      const before = received.length;
      const original = attemptOf(`${rx.base}/old`, "", { headers: { "x-tenant": "a" } }).endpoint;
      // Equal copies (as each accept's fresh endpoint rows are), then one change at a time, in one batch.
      const versions = [
        original,
        { ...original, headers: { ...original.headers } },
        { ...original, headers: { "x-tenant": "b" } },
        { ...original, headers: { "x-tenant": "b", "x-extra": "1" } },
        { ...original, url: `${rx.base}/new` },
        { ...original, payloadFormat: "form" as const },
        original,
      ];
      const exchanges = await Promise.all(
        versions.map((endpoint, i) =>
          threads.attempt(attemptOf(endpoint.url, `{"version":${i}}`, { endpoint })),
        ),
      );
      expect(exchanges.map((e) => e.result.statusCode)).toEqual(versions.map(() => 200));
      // JSON `{"version":3}` or form `version=3`.
      const versionOf = (body: string) => Number(/version\D+(\d+)/.exec(body)?.[1]);
      const sent = received.slice(before).sort((a, b) => versionOf(a.body) - versionOf(b.body));
      expect(sent.map((r) => versionOf(r.body))).toEqual([0, 1, 2, 3, 4, 5, 6]);
      expect(
        sent.map((r) => [r.path, r.headers["x-tenant"], r.headers["x-extra"], r.headers["content-type"]]),
      ).toEqual([
        ["/old", "a", undefined, "application/json"],
        ["/old", "a", undefined, "application/json"],
        ["/old", "b", undefined, "application/json"],
        ["/old", "b", "1", "application/json"],
        ["/new", "a", undefined, "application/json"],
        ["/old", "a", undefined, "application/x-www-form-urlencoded"],
        ["/old", "a", undefined, "application/json"],
      ]);
    } finally {
      await threads.close();
    }
  });

  it("spreads attempts over its threads, each with its own connections", async () => {
    routes.set("/slow", (_req, _body, res) => setTimeout(() => res.writeHead(200).end("ok"), 30));
    // One connection per thread: two threads can only have two requests in flight on two sockets.
    const threads = sendThreads(2, { connectionsPerOrigin: 1 });
    await threads.ready();
    try {
      const before = received.length;
      const exchanges = await Promise.all(
        Array.from({ length: 12 }, () =>
          threads.attempt(attemptOf(`${rx.base}/slow`, "x", { timeoutMs: 5000 })),
        ),
      );
      expect(exchanges.every((e) => e.result.statusCode === 200)).toBe(true);
      const ports = new Set(received.slice(before).map((r) => r.port));
      expect(ports.size).toBe(2);
    } finally {
      await threads.close();
    }
  });

  it("reports network errors, SSRF blocks, timeouts and unbuildable requests as results, never rejections", async () => {
    routes.set("/hang", () => undefined);
    const threads = sendThreads(1);
    await threads.ready();
    try {
      const [timedOut, blocked, invalid, unbuildable] = await Promise.all([
        threads.attempt(attemptOf(`${rx.base}/hang`, "x", { timeoutMs: 200 })),
        threads.attempt(attemptOf("http://10.0.0.1/", "x")),
        threads.attempt(attemptOf("not a url", "x")),
        // A standard endpoint without a key: the request cannot be signed, so it is not sent.
        threads.attempt({
          ...attemptOf(`${rx.base}/echo`, "x"),
          endpoint: { ...attemptOf(`${rx.base}/echo`, "x").endpoint, signature: { scheme: "standard" } },
        }),
      ]);
      expect(timedOut.result).toMatchObject({ statusCode: 0, errorKind: "timeout" });
      expect(blocked.result).toMatchObject({ statusCode: 0, errorKind: "ssrf_blocked" });
      expect(invalid.result).toMatchObject({
        statusCode: 0,
        errorKind: "other",
        responseBody: "invalid URL",
      });
      expect(unbuildable.result).toMatchObject({ statusCode: 0, errorKind: "other" });
      expect(unbuildable.requestHeaders).toBeNull();
    } finally {
      await threads.close();
    }
  });

  it("interrupts attempts in flight on abortInFlight, and answers attempts after close without sending", async () => {
    routes.set("/hang-abort", () => undefined);
    const threads = sendThreads(1);
    await threads.ready();
    const hanging = threads.attempt(attemptOf(`${rx.base}/hang-abort`, "x", { timeoutMs: 30_000 }));
    while (!received.some((r) => r.path === "/hang-abort")) await new Promise((r) => setTimeout(r, 10));
    threads.abortInFlight();
    const { result } = await hanging;
    expect(result).toMatchObject({ statusCode: 0, errorKind: "other" });
    expect(result.responseBody).toMatch(/interrupted/);
    await threads.close();
    const before = received.length;
    const late = await threads.attempt(attemptOf(`${rx.base}/echo`, "x"));
    expect(late.result).toMatchObject({ statusCode: 0, errorKind: "other" });
    expect(received.length).toBe(before);
  });

  it("does not keep an idle process alive, though its connections stay open", async () => {
    // A child that sends once and never closes: it must still exit once the send is done, as it would with
    // undici's kept-alive (unreferenced) sockets on the main thread.
    const repository = join(import.meta.dirname, "../..");
    const script = `
      const { SendThreads } = await import(${JSON.stringify(join(repository, "src/delivery/send-threads.ts"))});
      const { parseAllowList } = await import(${JSON.stringify(join(repository, "src/domain/address-policy.ts"))});
      const { default: pino } = await import("pino");
      const threads = new SendThreads({ threads: 1, log: pino({ level: "silent" }), attempts: {
        signatureHeaderStyle: "webhook",
        sender: { allowList: parseAllowList(["127.0.0.1"]).allowList, userAgent: "Herald/test",
          maxResponseBytes: 64, connectionsPerOrigin: 1, maxOrigins: 1 } } });
      await threads.ready();
      const { result } = await threads.attempt({ message: { id: "msg_1", payload: "idle" },
        endpoint: { id: "ep_1", url: ${JSON.stringify(`${rx.base}/echo`)}, headers: {}, payloadFormat: "json",
          signature: { scheme: "none" } },
        signing: { keys: [], hmacSecret: undefined }, timestampSeconds: 0, timeoutMs: 2000 });
      console.log(JSON.stringify(result));
    `;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: repository,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`the child did not exit by itself: ${stdout} ${stderr}`));
      }, 15_000);
      child.on("exit", (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    expect(stderr).toBe("");
    expect(exitCode).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ statusCode: 202, responseBody: "got idle" });
  });
});
