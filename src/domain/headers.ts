/**
 * Custom endpoint headers (svix-api.md §5.4): which names a tenant may set, which values are valid, and which
 * ones are sensitive (write-only through the API). Names keep the case the tenant chose; comparisons ignore case,
 * as HTTP does.
 */

/** OSS's list, plus what the sender itself owns (`host`, `connection`, `expect`) and the unbranded signature headers. */
const FORBIDDEN_NAMES = new Set([
  "user-agent",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailers",
  "transfer-encoding",
  "upgrade",
  "age",
  "cache-control",
  "clear-site-data",
  "expires",
  "pragma",
  "warning",
  "content-length",
  "content-type",
  "content-encoding",
  "content-language",
  "content-location",
  // undici refuses or overrides these; letting a tenant set them would make every delivery fail.
  "host",
  "connection",
  "expect",
  // Herald may sign with the Standard Webhooks names instead of `svix-*`; a custom header must not forge them.
  "webhook-id",
  "webhook-timestamp",
  "webhook-signature",
]);

const FORBIDDEN_PREFIXES = [
  "x-amz-",
  "x-amzn-",
  "x-google",
  "x-goog-",
  "x-gfe",
  "x-azure-",
  "x-fd-",
  "x-svix-",
  "svix-",
];

/** Returned by GET …/headers only as names: they usually carry credentials. */
const SENSITIVE_NAMES = new Set([
  "authorization",
  "x-auth-token",
  "x-api-key",
  "www-authenticate",
  "proxy-authenticate",
  "proxy-authorization",
]);

// RFC 9110 token characters.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// RFC 9110 field-value: visible ASCII, space, tab and obs-text; no CR, LF or NUL (header injection).
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export const HEADER_VALUE_MAX_BYTES = 4096;
export const MAX_CUSTOM_HEADERS = 100;

export type CustomHeaders = Record<string, string>;

/** Why `name` may not be a custom header (or the name of an hmac signature header), or null. */
export function headerNameProblem(name: string): string | null {
  if (name.length === 0 || name.length > 256 || !HEADER_NAME.test(name))
    return `Invalid header name: ${name}`;
  const lower = name.toLowerCase();
  if (FORBIDDEN_NAMES.has(lower)) return `Header name is not allowed: ${name}`;
  if (FORBIDDEN_PREFIXES.some((prefix) => lower.startsWith(prefix)))
    return `Header name is not allowed: ${name}`;
  return null;
}

export function headerValueProblem(name: string, value: string): string | null {
  if (!HEADER_VALUE.test(value)) return `Invalid value for header ${name}`;
  if (Buffer.byteLength(value, "latin1") > HEADER_VALUE_MAX_BYTES) {
    return `Value of header ${name} must be at most ${HEADER_VALUE_MAX_BYTES} bytes`;
  }
  return null;
}

/** Every problem of a full header set, as `[name, message]` (name null for problems of the whole set). */
export function headersProblems(headers: CustomHeaders): [string | null, string][] {
  const problems: [string | null, string][] = [];
  const seen = new Set<string>();
  const names = Object.keys(headers);
  if (names.length > MAX_CUSTOM_HEADERS)
    problems.push([null, `At most ${MAX_CUSTOM_HEADERS} custom headers are allowed`]);
  for (const name of names) {
    const problem = headerNameProblem(name) ?? headerValueProblem(name, headers[name] ?? "");
    if (problem) problems.push([name, problem]);
    const lower = name.toLowerCase();
    if (seen.has(lower)) problems.push([name, `Duplicate header name (names are case-insensitive): ${name}`]);
    seen.add(lower);
  }
  return problems;
}

/**
 * PATCH: `changes` sets or (with null) removes headers, `remove` lists more names to remove. Names match
 * case-insensitively, and a set replaces an existing header whatever its case.
 */
export function mergeHeaders(
  current: CustomHeaders,
  changes: Record<string, string | null>,
  remove: readonly string[],
): CustomHeaders {
  const dropped = new Set([...remove, ...Object.keys(changes)].map((name) => name.toLowerCase()));
  const merged: CustomHeaders = {};
  for (const [name, value] of Object.entries(current)) {
    if (!dropped.has(name.toLowerCase())) merged[name] = value;
  }
  for (const [name, value] of Object.entries(changes)) {
    if (value !== null) merged[name] = value;
  }
  return merged;
}

/** Whether a header usually carries a credential (case-insensitive). */
export function isSensitiveHeader(name: string): boolean {
  return SENSITIVE_NAMES.has(name.toLowerCase());
}

/** GET …/headers: sensitive headers are listed by name and their values withheld. */
export function splitSensitiveHeaders(headers: CustomHeaders): {
  headers: CustomHeaders;
  sensitive: string[];
} {
  const visible: CustomHeaders = {};
  const sensitive: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (isSensitiveHeader(name)) sensitive.push(name);
    else visible[name] = value;
  }
  return { headers: visible, sensitive };
}

/** What the delivery log shows instead of a sensitive header's value. */
export const MASKED_HEADER_VALUE = "********";

/**
 * `headers` for the delivery log: the headers GET …/headers withholds keep their name and show
 * MASKED_HEADER_VALUE, so a log reader sees that a credential was sent without seeing it. Headers without one
 * come back as they are, uncopied: this runs for every attempt, and most carry no credential.
 */
export function maskSensitiveHeaders(
  headers: Readonly<Record<string, string>>,
): Readonly<Record<string, string>> {
  let sensitive = false;
  for (const name in headers) {
    if (isSensitiveHeader(name)) {
      sensitive = true;
      break;
    }
  }
  if (!sensitive) return headers;
  const masked: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    masked[name] = isSensitiveHeader(name) ? MASKED_HEADER_VALUE : value;
  }
  return masked;
}
