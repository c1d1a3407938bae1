/** Field rules shared by the API's use cases (svix-api.md §1.8, §4, §5). Pure: each returns a message or null. */

// OSS rejects these control characters in names and descriptions.
const FORBIDDEN_CONTROL = /[\u0000-\u0008]/;

export function textProblem(value: string): string | null {
  return FORBIDDEN_CONTROL.test(value) ? "Control characters 0x00-0x08 are not allowed" : null;
}

export function uidProblem(uid: string, idPrefix: string): string | null {
  if (uid.startsWith(idPrefix)) return "Uids are not allowed to have the same prefix as the ID";
  return null;
}

export const METADATA_MAX_BYTES = 4096;

export function metadataProblem(metadata: Record<string, string>): string | null {
  return Buffer.byteLength(JSON.stringify(metadata)) > METADATA_MAX_BYTES
    ? `Metadata must be at most ${METADATA_MAX_BYTES} bytes once serialised`
    : null;
}

/** Sets are stored as sets: duplicates collapse and order is not kept (sorted for stable output). */
export function normaliseSet(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}
