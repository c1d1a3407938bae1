/**
 * Responses written as JSON text rather than serialised from objects: message payloads are stored as the exact
 * text the client sent (big integers, key order, number formats), and re-serialising a parsed copy would change it.
 */
import type { FastifyReply } from "fastify";
import type { Page } from "../store/store.js";
import { listResponse } from "./pagination.js";

/** Sends `json` (already JSON text) as the body, untouched. */
export function sendJson(reply: FastifyReply, status: number, json: string): FastifyReply {
  return reply.status(status).type("application/json; charset=utf-8").send(json);
}

/** `fields` serialised, with `name` set to the JSON text `valueJson` as the last member. */
export function withRawMember(fields: object, name: string, valueJson: string): string {
  const head = JSON.stringify(fields);
  const member = `${JSON.stringify(name)}:${valueJson}`;
  return head === "{}" ? `{${member}}` : `${head.slice(0, -1)},${member}}`;
}

/** Svix's ListResponse with each item rendered as JSON text. */
export function jsonList<T>(
  page: Page<T>,
  keyOf: (item: T) => string,
  renderJson: (item: T) => string,
): string {
  const list = listResponse(page, keyOf, renderJson);
  return (
    `{"data":[${list.data.join(",")}],"iterator":${JSON.stringify(list.iterator)},` +
    `"prevIterator":${JSON.stringify(list.prevIterator)},"done":${list.done}}`
  );
}
