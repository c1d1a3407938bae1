/** An endpoint's signature settings as a tenant writes them: omitted hmac sub-fields take Herald's defaults. */
import { headerNameProblem } from "./headers.js";
import type { HmacAlgorithm, SignatureConfig, SignatureEncoding } from "./types.js";

export type SignatureConfigInput =
  | { scheme: "standard" }
  | { scheme: "none" }
  | {
      scheme: "hmac";
      algorithm?: HmacAlgorithm | undefined;
      encoding?: SignatureEncoding | undefined;
      header?: string | undefined;
      prefix?: string | undefined;
      signedContent?: "body" | "timestamp.body" | undefined;
    };

export const DEFAULT_SIGNATURE: SignatureConfig = Object.freeze({ scheme: "standard" });
export const DEFAULT_HMAC_HEADER = "X-Signature";

// The prefix goes into a header value before the signature, e.g. `sha256=`.
const PREFIX = /^[\x21-\x7e]{0,64}$/;

/** The complete configuration, or the problems as `[field, message]` (field relative to `signature`). */
export function resolveSignatureConfig(
  input: SignatureConfigInput,
): { config: SignatureConfig } | { problems: [string, string][] } {
  if (input.scheme !== "hmac") return { config: { scheme: input.scheme } };
  const config: SignatureConfig = {
    scheme: "hmac",
    algorithm: input.algorithm ?? "sha256",
    encoding: input.encoding ?? "hex",
    header: input.header ?? DEFAULT_HMAC_HEADER,
    prefix: input.prefix ?? "",
    signedContent: input.signedContent ?? "body",
  };
  const problems: [string, string][] = [];
  const headerProblem = headerNameProblem(config.header);
  if (headerProblem) problems.push(["header", headerProblem]);
  if (!PREFIX.test(config.prefix))
    problems.push(["prefix", "Prefix must be at most 64 visible ASCII characters"]);
  return problems.length > 0 ? { problems } : { config };
}
