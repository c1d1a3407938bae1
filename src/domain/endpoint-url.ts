/**
 * Endpoint URL rules (svix-api.md §5.1): an absolute http(s) URL of at most 65 536 characters, stored in its
 * normalised WHATWG form so that `https://x.com` and `https://x.com/` are the same endpoint URL. Whether the
 * destination address may be reached is decided at send time (SSRF guard), not here: DNS can change.
 */
export const ENDPOINT_URL_MAX_LENGTH = 65_536;

export type EndpointUrlResult = { url: string } | { problem: string };

export function normaliseEndpointUrl(raw: string): EndpointUrlResult {
  if (raw.length > ENDPOINT_URL_MAX_LENGTH) {
    return { problem: `Endpoint URL must be at most ${ENDPOINT_URL_MAX_LENGTH} characters` };
  }
  // The WHATWG parser silently strips surrounding whitespace; a pasted URL with a stray space is still a mistake.
  if (raw.trim() !== raw || raw === "")
    return { problem: "Endpoint URL must be an absolute URL without surrounding spaces" };
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return { problem: "Endpoint URL must be an absolute URL" };
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return { problem: "Endpoint URL schemes must be http or https" };
  }
  if (parsed.hostname === "") return { problem: "Endpoint URL must have a host" };
  const url = parsed.href;
  if (url.length > ENDPOINT_URL_MAX_LENGTH) {
    return { problem: `Endpoint URL must be at most ${ENDPOINT_URL_MAX_LENGTH} characters` };
  }
  return { url };
}
