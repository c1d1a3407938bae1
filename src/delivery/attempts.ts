/**
 * One attempt's exchange: build the request (request-builder.ts: body, headers, signatures), send it
 * (sender.ts), and report the result with the headers the delivery log records. `LocalAttempts` does this on
 * the calling thread; `SendThreads` (send-threads.ts) hands the same `AttemptRequest` to a `LocalAttempts`
 * in a worker thread, so that signing — an HMAC per delivery, ~40 µs per ed25519 key — and undici both run
 * beside the engine's thread. An `AttemptRequest` is plain data for that reason.
 */
import type { SignatureHeaderStyle } from "../domain/signing.js";
import type { Endpoint, Message } from "../domain/types.js";
import type { LoggedRequestHeadersJson } from "../store/store.js";
import { unsentResult } from "./outcome.js";
import { buildRequest, loggedRequestHeadersJson } from "./request-builder.js";
import { Sender, type SenderOptions, type SendResult } from "./sender.js";
import type { EndpointSigning } from "./signing-keys.js";

export type AttemptMessage = Pick<Message, "id" | "payload">;
export type AttemptEndpoint = Pick<Endpoint, "id" | "url" | "headers" | "payloadFormat" | "signature">;

export interface AttemptRequest {
  message: AttemptMessage;
  endpoint: AttemptEndpoint;
  signing: EndpointSigning;
  /** The signatures' timestamp: the attempt's start. */
  timestampSeconds: number;
  /** Bounds the whole exchange. */
  timeoutMs: number;
}

export interface AttemptExchange {
  result: SendResult;
  /**
   * What the delivery log records as sent, as the JSON text it stores (a string crosses between threads far
   * more cheaply than the object); null when the request could not be built.
   */
  requestHeaders: LoggedRequestHeadersJson | null;
}

/** What the engine runs its attempts through. */
export interface AttemptTransport {
  /** Resolves once attempts can run; rejects when the transport cannot start. */
  ready(): Promise<void>;
  /** Never rejects: every failure is a result with an `errorKind`. */
  attempt(request: AttemptRequest): Promise<AttemptExchange>;
  /** Cuts every exchange in progress; each then resolves with errorKind `other` ("interrupted"). */
  abortInFlight(): void;
  close(): Promise<void>;
}

/** An attempt that sent nothing: a request that could not be built, or a send thread that could not run it. */
export function unsentExchange(problem: string): AttemptExchange {
  return { result: unsentResult(problem), requestHeaders: null };
}

export interface LocalAttemptsOptions {
  sender: SenderOptions;
  signatureHeaderStyle: SignatureHeaderStyle;
}

export class LocalAttempts implements AttemptTransport {
  private readonly sender: Sender;

  constructor(private readonly options: LocalAttemptsOptions) {
    this.sender = new Sender(options.sender);
  }

  ready(): Promise<void> {
    return Promise.resolve();
  }

  async attempt(request: AttemptRequest): Promise<AttemptExchange> {
    const built = buildRequest(
      request.message,
      request.endpoint,
      request.signing,
      this.options.signatureHeaderStyle,
      request.timestampSeconds,
      this.options.sender.userAgent,
    );
    if ("problem" in built) return unsentExchange(built.problem);
    const { url, headers, body } = built.request;
    const result = await this.sender.send({ url, headers, body, timeoutMs: request.timeoutMs });
    return { result, requestHeaders: loggedRequestHeadersJson(built.request) };
  }

  abortInFlight(): void {
    this.sender.abortInFlight();
  }

  close(): Promise<void> {
    return this.sender.close();
  }
}
