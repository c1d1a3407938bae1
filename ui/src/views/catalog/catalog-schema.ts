/**
 * How the catalog form maps to what Herald stores: an event type's `schemas` is `{ "<version>": JSONSchema }`,
 * and its example payloads live in version "1"'s `examples` array (the one send-example, the endpoint test and
 * `GET /event-type/{name}/example` read, see src/domain/example-payload.ts). The form edits version "1" as a
 * schema text plus one text per example; other versions are kept as they are.
 */
import type { EventTypeOut } from "../../api/types";

export type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** `{ value }` for a JSON object, `{ error }` (a sentence) otherwise. */
export type ParsedObject = { value: JsonObject; error: null } | { value: null; error: string };

export function parseJsonObject(text: string, what: string): ParsedObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return {
      value: null,
      error: `Not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  if (!isObject(value)) return { value: null, error: `${what} must be a JSON object ({ … }).` };
  return { value, error: null };
}

const pretty = (value: unknown): string => JSON.stringify(value, null, 2);

export interface SchemaTexts {
  /** Version "1" without its `examples`, pretty-printed; "" when there is none. */
  schema: string;
  /** Each of version "1"'s examples, pretty-printed. */
  examples: string[];
}

export function schemaTexts(schemas: EventTypeOut["schemas"]): SchemaTexts {
  const primary = schemas?.["1"];
  if (!isObject(primary)) return { schema: primary === undefined ? "" : pretty(primary), examples: [] };
  const { examples, ...rest } = primary;
  return {
    schema: Object.keys(rest).length === 0 ? "" : pretty(rest),
    examples: Array.isArray(examples) ? examples.map(pretty) : [],
  };
}

/** The number of catalog examples of an event type (the sample dialog lets one pick among them). */
export function exampleCount(schemas: EventTypeOut["schemas"]): number {
  const primary = schemas?.["1"];
  return isObject(primary) && Array.isArray(primary.examples) ? primary.examples.length : 0;
}

/**
 * The `schemas` to save: version "1" from the form (examples inside it), the other versions unchanged; null
 * when nothing is left.
 */
export function buildSchemas(
  previous: EventTypeOut["schemas"],
  schema: JsonObject | null,
  examples: JsonObject[],
): Record<string, unknown> | null {
  const { "1": _replaced, ...others } = previous ?? {};
  const primary: JsonObject | null =
    schema === null && examples.length === 0
      ? null
      : { ...(schema ?? {}), ...(examples.length > 0 ? { examples } : {}) };
  const result: Record<string, unknown> = primary === null ? others : { "1": primary, ...others };
  return Object.keys(result).length === 0 ? null : result;
}
