/** Raw HTTP against a test Herald, for what the SDK hides: exact bytes, status codes, error shapes, extensions. */
import { ApiException } from "svix";
import type { TestHerald } from "./herald.js";

export interface RawResponse {
  status: number;
  text: string;
  /** The parsed body; undefined when the body is empty. */
  json: unknown;
}

export interface RawRequest {
  /** An object is sent as JSON; a string is sent as is (with a JSON content type). */
  body?: unknown;
  headers?: Record<string, string>;
  token?: string;
}

export async function rawCall(
  herald: TestHerald,
  method: string,
  path: string,
  request: RawRequest = {},
): Promise<RawResponse> {
  const { body } = request;
  const response = await fetch(herald.url + path, {
    method,
    headers: {
      authorization: `Bearer ${request.token ?? herald.token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...request.headers,
    },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, text, json: text === "" ? undefined : (JSON.parse(text) as unknown) };
}

/** The ApiException an SDK call fails with. */
export async function apiError(promise: Promise<unknown>): Promise<{ code: number; body: unknown }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiException) return { code: error.code, body: error.body as unknown };
    throw error;
  }
  throw new Error("expected the SDK call to fail");
}
