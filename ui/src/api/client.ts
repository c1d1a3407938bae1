/**
 * The UI's only door to Herald: the public `/api/v1`, with a bearer token (the admin token in the dashboard, an
 * app-scoped portal token in the portal). Errors come back as `ApiError`, which keeps the API's machine-readable
 * code and, for 422s, the message of each offending field keyed by its `loc` path.
 */
import type { ListResponse } from "./types";

type QueryValue = string | number | boolean | null | undefined | readonly string[];
export type Query = Record<string, QueryValue>;

interface ValidationIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

export class ApiError extends Error {
  /** 0 when the request never got an answer (network down, Herald stopped). */
  readonly status: number;
  readonly code: string;
  /** 422 field messages by dotted path without the leading `body`/`query` (e.g. `url`, `headers.X-Key`). */
  readonly fieldErrors: Readonly<Record<string, string>>;

  constructor(status: number, code: string, message: string, fieldErrors: Record<string, string> = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.fieldErrors = fieldErrors;
  }
}

function queryString(query: Query | undefined): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === null || value === undefined || value === "") continue;
    if (Array.isArray(value)) for (const item of value) params.append(key, String(item));
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text === "" ? "" : `?${text}`;
}

/** Turns an error body into an ApiError: `{code, detail}` or `{detail: [{loc, msg, type}]}`. */
async function errorFrom(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy's error page): the status line is all there is.
  }
  if (body && typeof body === "object" && "detail" in body) {
    const detail = (body as { detail: unknown }).detail;
    if (Array.isArray(detail)) {
      const issues = detail as ValidationIssue[];
      const fieldErrors: Record<string, string> = {};
      for (const issue of issues) {
        const path = issue.loc.filter(
          (part, index) => !(index === 0 && (part === "body" || part === "query")),
        );
        const key = path.join(".");
        fieldErrors[key] ??= issue.msg;
      }
      const summary = issues.map((issue) => `${issue.loc.slice(1).join(".") || "body"}: ${issue.msg}`);
      return new ApiError(response.status, "validation", summary.join("; "), fieldErrors);
    }
    const code = "code" in body ? String((body as { code: unknown }).code) : "error";
    return new ApiError(response.status, code, String(detail));
  }
  return new ApiError(response.status, "error", `${response.status} ${response.statusText}`);
}

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
}

export class ApiClient {
  readonly token: string;
  /** Called on 401, so the app can return to its sign-in page. */
  private readonly onUnauthorized: () => void;

  constructor(token: string, onUnauthorized: () => void) {
    this.token = token;
    this.onUnauthorized = onUnauthorized;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.token}`,
      accept: "application/json",
    };
    let body: string | undefined;
    if (options.body !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(options.body);
    }
    let response: Response;
    try {
      response = await fetch(`/api/v1${path}${queryString(options.query)}`, {
        method,
        headers,
        body,
        signal: options.signal,
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") throw error;
      throw new ApiError(0, "network", "Herald could not be reached. Check your connection and try again.");
    }
    if (response.status === 401) this.onUnauthorized();
    if (!response.ok) throw await errorFrom(response);
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    return (text === "" ? undefined : JSON.parse(text)) as T;
  }

  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    return this.request<T>("GET", path, { query, signal });
  }

  post<T>(path: string, body?: unknown, query?: Query): Promise<T> {
    return this.request<T>("POST", path, { body: body ?? {}, query });
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("PUT", path, { body });
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("PATCH", path, { body });
  }

  delete(path: string): Promise<void> {
    return this.request<void>("DELETE", path);
  }

  /** Follows `iterator` until `done` or `max` items (the catalog and endpoint lists are small). */
  async listAll<T>(path: string, query: Query = {}, max = 1000): Promise<T[]> {
    const items: T[] = [];
    let iterator: string | null = null;
    for (;;) {
      const page: ListResponse<T> = await this.get<ListResponse<T>>(path, { ...query, limit: 250, iterator });
      items.push(...page.data);
      if (page.done || page.iterator === null || items.length >= max) return items;
      iterator = page.iterator;
    }
  }
}

/** `encodeURIComponent` for path segments (ids and uids are safe already; event-type names may not be). */
export const seg = (value: string): string => encodeURIComponent(value);
