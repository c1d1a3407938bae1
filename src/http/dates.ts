import { ValidationError, type ErrorLocation } from "../domain/errors.js";
import type { EpochMs } from "../domain/types.js";

// RFC 3339 date-time: fractional seconds optional, `Z` or a numeric offset required.
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 datetime, or throws a 422 at `loc`. */
export function parseDateTime(value: string, loc: ErrorLocation): EpochMs {
  const ms = RFC3339.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms))
    throw ValidationError.field(loc, "Expected an RFC 3339 datetime, e.g. 2025-02-16T21:38:21.977Z");
  return ms;
}

export function parseOptionalDateTime(value: string | null | undefined, loc: ErrorLocation): EpochMs | null {
  return value === undefined || value === null ? null : parseDateTime(value, loc);
}

export const isoDate = (ms: EpochMs): string => new Date(ms).toISOString();
