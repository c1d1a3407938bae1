/**
 * One synchronous send for the endpoint test action (services/endpoint-test.ts), built, signed and sent by the
 * same code as the engine's attempts: the endpoint's signing keys (signing-keys.ts) and `LocalAttempts`
 * (request building and signing, and the `Sender` with its SSRF guard and response cap), on the calling thread. Only the queue is left out: no claim, no lease, no retry.
 *
 * Each send opens its own connection pool and closes it afterwards. Test sends are rare and interactive, so
 * a kept-alive connection is not worth a pool that would outlive the process's shutdown.
 */
import type { TargetAllowList } from "../domain/address-policy.js";
import type { SignatureHeaderStyle } from "../domain/signing.js";
import type { EpochMs } from "../domain/types.js";
import type { SendTestWebhook } from "../services/endpoint-test.js";
import type { LoggedRequestHeaders, Store } from "../store/store.js";
import { LocalAttempts } from "./attempts.js";
import { MAX_SEND_MS } from "./endpoint-lanes.js";
import { SigningKeyCache } from "./signing-keys.js";

export interface TestWebhookSenderOptions {
  signatureHeaderStyle: SignatureHeaderStyle;
  /** `Herald/<version>`. */
  userAgent: string;
  /** Private targets the operator allows, as for the engine. */
  allowList: TargetAllowList;
  /** Response bytes kept, as for the engine. */
  maxResponseBytes: number;
}

const MIN_SEND_MS = 1_000;

/** The `SendTestWebhook` (services/endpoint-test.ts) the composition root injects. */
export function createTestWebhookSender(
  deps: { store: Pick<Store, "getEndpointSecrets">; now: () => EpochMs },
  options: TestWebhookSenderOptions,
): SendTestWebhook {
  return async (message, endpoint) => {
    // A cache of one entry, used once: the engine's own reading of an endpoint's keys, without its caching.
    const keys = new SigningKeyCache({ store: deps.store, now: deps.now, ttlMs: 1, maxEntries: 1 });
    const signing = await keys.load(endpoint);
    const startedAt = deps.now();
    const attempts = new LocalAttempts({
      signatureHeaderStyle: options.signatureHeaderStyle,
      sender: {
        allowList: options.allowList,
        userAgent: options.userAgent,
        maxResponseBytes: options.maxResponseBytes,
        connectionsPerOrigin: 1,
        maxOrigins: 1,
      },
    });
    try {
      const timeoutMs = Math.min(Math.max(endpoint.timeoutSeconds * 1000, MIN_SEND_MS), MAX_SEND_MS);
      const { result, requestHeaders } = await attempts.attempt({
        message,
        endpoint,
        signing,
        timestampSeconds: Math.floor(startedAt / 1000),
        timeoutMs,
      });
      return {
        statusCode: result.statusCode,
        responseBody: result.responseBody,
        durationMs: result.durationMs,
        errorKind: result.errorKind,
        startedAt,
        // The test action shows them: back to the object the API returns.
        requestHeaders: requestHeaders === null ? null : (JSON.parse(requestHeaders) as LoggedRequestHeaders),
      };
    } finally {
      await attempts.close();
    }
  };
}
