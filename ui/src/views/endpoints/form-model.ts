/**
 * The endpoint form's state and rules, apart from the React that renders them: what the form holds (a draft of
 * strings, as the inputs hold them), how an endpoint becomes a draft and a draft a request body, and what is
 * checked before anything is sent. Error keys are the API's 422 `loc` paths (`url`, `signature.header`,
 * `headers.X-Key`), so client-side and server-side errors land next to the same field.
 */
import type {
  EndpointHeadersOut,
  EndpointIn,
  EndpointOut,
  EndpointPatch,
  SignatureIn,
} from "../../api/types";

export type SignatureScheme = SignatureIn["scheme"];
export type HmacAlgorithm = "sha256" | "sha1" | "sha512";
export type HmacEncoding = "hex" | "base64";
export type SignedContent = "body" | "timestamp.body";

export interface HeaderRow {
  /** Stable React key; rows have no identity of their own. */
  key: number;
  name: string;
  value: string;
  /**
   * A sensitive header (Authorization, X-Api-Key, …) whose value the API never returns: an empty value keeps
   * the stored one, and the name cannot be edited (the value would be lost).
   */
  hidden: boolean;
}

export interface EndpointDraft {
  name: string;
  url: string;
  description: string;
  /** true: `eventTypes: null`, every event type, including ones added to the catalog later. */
  allEvents: boolean;
  eventTypes: string[];
  headers: HeaderRow[];
  payloadFormat: "json" | "form";
  scheme: SignatureScheme;
  hmacAlgorithm: HmacAlgorithm;
  hmacEncoding: HmacEncoding;
  hmacHeader: string;
  hmacPrefix: string;
  hmacSignedContent: SignedContent;
  /** Comma-separated seconds; empty inherits the application's (or the server's) schedule. */
  retrySchedule: string;
  timeoutSeconds: string;
  /** Messages per second; empty = no limit. */
  throttleRate: string;
  enabled: boolean;
}

export type FieldErrors = Record<string, string>;

export const DEFAULT_TIMEOUT_SECONDS = 15;
export const DEFAULT_HMAC_HEADER = "X-Signature";
/** The API's bounds (src/http/schemas/common.ts RetryScheduleSchema, endpoints.ts ThrottleRate). */
const MAX_RETRIES = 20;
const MAX_RETRY_DELAY_SECONDS = 604_800;
const MAX_THROTTLE_RATE = 65_535;
// RFC 9110 token characters, as the API checks header names.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// No CR, LF or other control characters in a header value (header injection).
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const PREFIX = /^[\x21-\x7e]{0,64}$/;

let nextRowKey = 1;
export const headerRow = (name = "", value = "", hidden = false): HeaderRow => ({
  key: nextRowKey++,
  name,
  value,
  hidden,
});

export function emptyDraft(): EndpointDraft {
  return {
    name: "",
    url: "",
    description: "",
    allEvents: true,
    eventTypes: [],
    headers: [],
    payloadFormat: "json",
    scheme: "standard",
    hmacAlgorithm: "sha256",
    hmacEncoding: "hex",
    hmacHeader: "",
    hmacPrefix: "",
    hmacSignedContent: "body",
    retrySchedule: "",
    timeoutSeconds: String(DEFAULT_TIMEOUT_SECONDS),
    throttleRate: "",
    enabled: true,
  };
}

export function draftFromEndpoint(endpoint: EndpointOut, headers: EndpointHeadersOut): EndpointDraft {
  const signature = endpoint.signature;
  return {
    name: endpoint.name,
    url: endpoint.url,
    description: endpoint.description,
    allEvents: endpoint.eventTypes === null,
    eventTypes: endpoint.eventTypes ?? [],
    headers: [
      ...Object.entries(headers.headers).map(([name, value]) => headerRow(name, value)),
      ...headers.sensitive.map((name) => headerRow(name, "", true)),
    ],
    payloadFormat: endpoint.payloadFormat,
    scheme: signature.scheme,
    hmacAlgorithm: (signature.algorithm as HmacAlgorithm | undefined) ?? "sha256",
    hmacEncoding: (signature.encoding as HmacEncoding | undefined) ?? "hex",
    hmacHeader: signature.header ?? "",
    hmacPrefix: signature.prefix ?? "",
    hmacSignedContent: (signature.signedContent as SignedContent | undefined) ?? "body",
    retrySchedule: endpoint.retrySchedule === null ? "" : endpoint.retrySchedule.join(", "),
    timeoutSeconds: String(endpoint.timeoutSeconds),
    throttleRate: endpoint.throttleRate === null ? "" : String(endpoint.throttleRate),
    enabled: !endpoint.disabled,
  };
}

/** The key under which a header row's errors are reported: the API names the header, a nameless row has none. */
export const headerErrorKey = (row: HeaderRow): string =>
  row.name.trim() === "" ? `headers.#${row.key}` : `headers.${row.name.trim()}`;

/** Rows that say something: a row with neither name nor value is an unused line, not an error. */
const filledRows = (rows: readonly HeaderRow[]): HeaderRow[] =>
  rows.filter((row) => row.hidden || row.name.trim() !== "" || row.value !== "");

export type UrlCheck = { url: string; insecure: boolean } | { problem: string };

/** The API's rule (an absolute http(s) URL with a host); surrounding spaces of a paste are forgiven. */
export function checkUrl(raw: string): UrlCheck {
  const text = raw.trim();
  if (text === "") return { problem: "Enter the URL Herald should send events to." };
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return { problem: "Enter a full URL, such as https://example.com/webhooks." };
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    return { problem: "The URL must start with https:// (or http://)." };
  if (parsed.hostname === "") return { problem: "The URL must name a host." };
  return { url: text, insecure: parsed.protocol === "http:" };
}

export const INSECURE_URL_WARNING =
  "This is a plain http:// URL: payloads and signatures travel unencrypted, and anyone on the network path can read them. Use https:// unless the receiver is on a private network.";

/** Parses "5, 300, 1800" (commas or spaces); null for an empty field. */
export function parseRetrySchedule(text: string): { schedule: number[] | null } | { problem: string } {
  const parts = text
    .split(/[\s,]+/)
    .map((part) => part.trim())
    .filter((part) => part !== "");
  if (parts.length === 0) return { schedule: null };
  if (parts.length > MAX_RETRIES) return { problem: `At most ${MAX_RETRIES} retries.` };
  const schedule: number[] = [];
  for (const part of parts) {
    if (!/^\d+$/.test(part)) return { problem: `"${part}" is not a whole number of seconds.` };
    const seconds = Number(part);
    if (seconds > MAX_RETRY_DELAY_SECONDS)
      return { problem: `${part} s is longer than the maximum delay of 7 days (604800 s).` };
    schedule.push(seconds);
  }
  return { schedule };
}

function integerIn(text: string, min: number, max: number): number | null {
  if (!/^\d+$/.test(text.trim())) return null;
  const value = Number(text.trim());
  return value >= min && value <= max ? value : null;
}

/** Every problem the client can see before sending, keyed like the API's 422 paths. */
export function validateDraft(draft: EndpointDraft): FieldErrors {
  const errors: FieldErrors = {};
  const url = checkUrl(draft.url);
  if ("problem" in url) errors["url"] = url.problem;
  if (draft.name.length > 256) errors["name"] = "At most 256 characters.";
  if (!draft.allEvents && draft.eventTypes.length === 0)
    errors["eventTypes"] = "Choose at least one event type, or receive all events.";

  const seen = new Map<string, string>();
  for (const row of filledRows(draft.headers)) {
    const name = row.name.trim();
    const key = headerErrorKey(row);
    if (name === "") errors[key] = "Enter the header's name.";
    else if (!HEADER_NAME.test(name)) errors[key] = "Header names use letters, digits and - _ . only.";
    else if (seen.has(name.toLowerCase()))
      errors[key] = `"${name}" is listed twice (header names ignore case).`;
    else if (!row.hidden && row.value === "") errors[key] = "Enter a value, or remove the header.";
    else if (!HEADER_VALUE.test(row.value)) errors[key] = "Header values cannot contain line breaks.";
    seen.set(name.toLowerCase(), name);
  }

  if (draft.scheme === "hmac") {
    const header = draft.hmacHeader.trim();
    if (header !== "" && !HEADER_NAME.test(header))
      errors["signature.header"] = "Header names use letters, digits and - _ . only.";
    if (!PREFIX.test(draft.hmacPrefix))
      errors["signature.prefix"] = "At most 64 visible characters, without spaces.";
  }

  const retry = parseRetrySchedule(draft.retrySchedule);
  if ("problem" in retry) errors["retrySchedule"] = retry.problem;
  if (integerIn(draft.timeoutSeconds, 1, 60) === null)
    errors["timeoutSeconds"] = "A whole number of seconds from 1 to 60.";
  if (draft.throttleRate.trim() !== "" && integerIn(draft.throttleRate, 1, MAX_THROTTLE_RATE) === null)
    errors["throttleRate"] = `A whole number from 1 to ${MAX_THROTTLE_RATE}, or empty for no limit.`;
  return errors;
}

function signatureOf(draft: EndpointDraft): SignatureIn {
  if (draft.scheme !== "hmac") return { scheme: draft.scheme };
  const header = draft.hmacHeader.trim();
  return {
    scheme: "hmac",
    algorithm: draft.hmacAlgorithm,
    encoding: draft.hmacEncoding,
    // Empty: the server's default name, so the form does not hard-code it.
    ...(header === "" ? {} : { header }),
    prefix: draft.hmacPrefix,
    signedContent: draft.hmacSignedContent,
  };
}

/** The fields the form owns, for POST (create) and PATCH (edit): uid, channels and metadata stay untouched. */
export function endpointFields(draft: EndpointDraft): EndpointPatch & Pick<EndpointIn, "url"> {
  const retry = parseRetrySchedule(draft.retrySchedule);
  const throttle = draft.throttleRate.trim();
  return {
    url: draft.url.trim(),
    name: draft.name.trim(),
    description: draft.description,
    disabled: !draft.enabled,
    eventTypes: draft.allEvents ? null : draft.eventTypes,
    payloadFormat: draft.payloadFormat,
    signature: signatureOf(draft),
    retrySchedule: "schedule" in retry ? retry.schedule : null,
    timeoutSeconds: Number(draft.timeoutSeconds.trim()),
    throttleRate: throttle === "" ? null : Number(throttle),
  };
}

/** The custom headers of a new endpoint. */
export function headerMap(rows: readonly HeaderRow[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const row of filledRows(rows)) headers[row.name.trim()] = row.value;
  return headers;
}

export interface HeaderChanges {
  headers: Record<string, string>;
  deleteHeaders: string[];
}

/**
 * What PATCH …/headers must do to turn `initial` into `rows`, or null when nothing changed. A patch rather
 * than a replacement, because the values of sensitive headers are unknown to the form and must be kept.
 */
export function headerChanges(
  initial: readonly HeaderRow[],
  rows: readonly HeaderRow[],
): HeaderChanges | null {
  const before = new Map(initial.map((row) => [row.name, row]));
  const after = filledRows(rows);
  const headers: Record<string, string> = {};
  for (const row of after) {
    const name = row.name.trim();
    if (row.hidden && row.value === "") continue;
    const previous = before.get(name);
    if (!previous || previous.hidden || previous.value !== row.value) headers[name] = row.value;
  }
  const kept = new Set(after.map((row) => row.name.trim()));
  const deleteHeaders = initial.map((row) => row.name).filter((name) => !kept.has(name));
  return Object.keys(headers).length === 0 && deleteHeaders.length === 0 ? null : { headers, deleteHeaders };
}

/**
 * The message for a field: its own key, else the first error below it (`retrySchedule.3`, `eventTypes.0`).
 * Header rows are looked up by their exact key, so `headers` alone is only the whole set's problem.
 */
export function errorFor(errors: FieldErrors, key: string): string | null {
  if (errors[key]) return errors[key];
  if (key === "headers") return null;
  const nested = Object.keys(errors).find((candidate) => candidate.startsWith(`${key}.`));
  return nested ? (errors[nested] ?? null) : null;
}
