/**
 * What one attempt sends (DESIGN §5, svix-api.md §9.2): the body, byte for byte the stored payload text (`json`)
 * or its form encoding (`form`), the content type, the endpoint's custom headers and the signature headers
 * over exactly that body, then Herald's `user-agent`. The payload is never parsed on this path.
 *
 * A request that cannot be built — a payload that has no form encoding, a `standard` endpoint without a usable
 * key — is reported as a problem; the engine records it as a failed attempt, like a receiver error, so the
 * tenant sees why in the delivery log.
 */
import { formUrlEncodeJsonText } from "../domain/form-encoding.js";
import { maskSensitiveHeaders } from "../domain/headers.js";
import { signatureHeaders, type SignatureHeaderStyle } from "../domain/signing.js";
import type { Endpoint, Message } from "../domain/types.js";
import type { LoggedRequestHeadersJson } from "../store/store.js";
import type { EndpointSigning } from "./signing-keys.js";

export interface BuiltRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export type RequestBuild = { request: BuiltRequest } | { problem: string };

const CONTENT_TYPES: Record<Endpoint["payloadFormat"], string> = {
  json: "application/json",
  form: "application/x-www-form-urlencoded",
};

export function buildRequest(
  message: Pick<Message, "id" | "payload">,
  endpoint: Pick<Endpoint, "url" | "headers" | "payloadFormat" | "signature">,
  signing: EndpointSigning,
  headerStyle: SignatureHeaderStyle,
  timestampSeconds: number,
  userAgent: string,
): RequestBuild {
  if (message.payload === null) return { problem: "the message's payload has expired or was expunged" };
  let body: string;
  let signatures: Record<string, string>;
  try {
    body = endpoint.payloadFormat === "form" ? formUrlEncodeJsonText(message.payload) : message.payload;
    signatures = signatureHeaders({
      config: endpoint.signature,
      headerStyle,
      msgId: message.id,
      timestampSeconds,
      body,
      keys: signing.keys,
      hmacSecret: signing.hmacSecret,
    });
  } catch (error) {
    return { problem: error instanceof Error ? error.message : String(error) };
  }

  const headers: Record<string, string> = { "content-type": CONTENT_TYPES[endpoint.payloadFormat] };
  let customAccept = false;
  // Custom header names keep the tenant's case; one that names a signature header (an `hmac` header the
  // tenant also set by hand) gives way to the signature, so no name is sent twice.
  for (const [name, value] of Object.entries(endpoint.headers)) {
    const lower = name.toLowerCase();
    if (lower in signatures) continue;
    if (lower === "accept") customAccept = true;
    headers[name] = value;
  }
  if (!customAccept) headers.accept = "*/*";
  Object.assign(headers, signatures);
  headers["user-agent"] = userAgent;
  return { request: { url: endpoint.url, headers, body } };
}

/**
 * The headers of a built request as the delivery log stores them, as JSON text: every header sent, the
 * `user-agent` too, with sensitive custom headers (`Authorization`, …) masked as GET …/headers withholds them.
 */
export function loggedRequestHeadersJson(request: BuiltRequest): LoggedRequestHeadersJson {
  return JSON.stringify(maskSensitiveHeaders(request.headers)) as LoggedRequestHeadersJson;
}
