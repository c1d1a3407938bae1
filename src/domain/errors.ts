/**
 * The one registry of error codes Herald answers with. Svix's codes and texts come first (its SDKs surface
 * `code`), Herald's own after. `docs` is the line the README's error table is generated from; a test keeps
 * them in step.
 */
export const ERROR_CODES = {
  generic_error: {
    status: 400,
    detail: "The request could not be processed.",
    docs: "a query string or request line cannot be parsed",
  },
  invalid_range: {
    status: 400,
    detail: "The requested time range is invalid.",
    docs: "`since`/`until` out of the allowed window",
  },
  missing_payload: {
    status: 400,
    detail: "Unable to resend message. Payload is missing (probably expired).",
    docs: "resend of a message whose payload expired or was expunged",
  },
  invalid_scheme: {
    status: 400,
    detail: "Unable to generate example message from event-type schema",
    docs: "send-example for an event type without an example",
  },
  limit_reached: {
    status: 400,
    detail: "You can only rotate a key 10 times; wait for an old key to expire.",
    docs: "more than 10 live old secrets",
  },
  authentication_failed: {
    status: 401,
    detail: "Invalid token",
    docs: "missing, malformed or wrong bearer token",
  },
  "insufficient access": {
    status: 403,
    detail: "Insufficient access for the given operation.",
    docs: "an application-scoped token on an organisation route",
  },
  not_found: { status: 404, detail: "Entity not found", docs: "unknown id, uid, name or route" },
  conflict: { status: 409, detail: "A conflict has occurred", docs: "duplicate `uid` or `eventId`" },
  event_type_exists: {
    status: 409,
    detail: "An event_type with this name already exists",
    docs: "event-type create with a live name",
  },
  payload_too_large: {
    status: 413,
    detail: "Request payload is too large.",
    docs: "body over `HERALD_MAX_PAYLOAD_BYTES`",
  },
  unsupported_media_type: {
    status: 415,
    detail: "Unsupported content type; send application/json.",
    docs: "a body that is not JSON",
  },
  not_implemented: {
    status: 501,
    detail: "This route is not implemented by Herald.",
    docs: "Svix Cloud-only routes Herald does not offer",
  },
  service_unavailable: {
    status: 503,
    detail: "Herald is shutting down.",
    docs: "requests that arrive while the server drains",
  },
} as const satisfies Record<string, { status: number; detail: string; docs: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Where a validation problem is: `["body", "url"]`, `["query", "limit"]`, `["path", "app_id"]`. */
export type ErrorLocation = readonly ["body" | "query" | "path" | "header", ...(string | number)[]];

export interface ValidationIssue {
  loc: ErrorLocation;
  msg: string;
  /** Svix's `type`: `value_error` for semantic problems, `value_error.jsondecode` for shape problems. */
  type: string;
}

/** A domain error with a registered code; the HTTP layer renders it as `{code, detail}`. */
export class HeraldError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string;

  constructor(code: ErrorCode, detail?: string) {
    const entry = ERROR_CODES[code];
    super(detail ?? entry.detail);
    this.name = "HeraldError";
    this.code = code;
    this.status = entry.status;
    this.detail = detail ?? entry.detail;
  }
}

/** 422: one or more fields are invalid; rendered as Svix's `{detail: [{loc, msg, type}]}`. */
export class ValidationError extends Error {
  readonly status = 422;
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[]) {
    super(issues.map((i) => `${i.loc.join(".")}: ${i.msg}`).join("; "));
    this.name = "ValidationError";
    this.issues = issues;
  }

  static field(loc: ErrorLocation, msg: string, type = "value_error"): ValidationError {
    return new ValidationError([{ loc, msg, type }]);
  }
}

export const notFound = (detail?: string): HeraldError => new HeraldError("not_found", detail);
export const conflict = (detail?: string): HeraldError => new HeraldError("conflict", detail);
