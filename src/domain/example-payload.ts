/**
 * A sample payload for an event type, for send-example and the endpoint test action: the catalog's own example
 * (`schemas["1"].examples[index]`) when it has one, else a value generated from the event type's JSON Schema,
 * else an empty object. Pure and deterministic — the same schema always gives the same sample, so a tenant
 * testing an endpoint twice sees the same body.
 *
 * Generation covers the JSON Schema (draft-7 and later) keywords catalogs use: `type` (also as a list),
 * `properties`, `items`/`prefixItems`, `const`, `enum`, `default`, `examples`, local `$ref`s (`#/…`), `allOf`
 * (objects merged), `oneOf`/`anyOf` (the first branch that gives a value), string `format`s, and the numeric
 * and length bounds. Every declared property is filled in, required or not, because a sample shows what a
 * receiver may get. A recursive `$ref` is followed once: deeper, optional properties are left out and required
 * ones become null.
 */

/** Svix's ping event, which needs no catalog entry; its payload's raw text has that space. */
export const PING_EVENT_TYPE = "svix.ping";
export const PING_PAYLOAD = '{"success": true}';

export type ExampleSource = "catalog" | "generated" | "placeholder";

export interface ExamplePayload {
  payload: Record<string, unknown>;
  source: ExampleSource;
}

type JsonObject = Record<string, unknown>;

const MAX_DEPTH = 16;
const MAX_GENERATED_ITEMS = 10;

const FORMAT_SAMPLES: Readonly<Record<string, string>> = {
  "date-time": "2025-01-01T00:00:00Z",
  date: "2025-01-01",
  time: "00:00:00Z",
  duration: "P1D",
  email: "user@example.com",
  "idn-email": "user@example.com",
  hostname: "example.com",
  "idn-hostname": "example.com",
  ipv4: "192.0.2.1",
  ipv6: "2001:db8::1",
  uri: "https://example.com/",
  "uri-reference": "https://example.com/",
  iri: "https://example.com/",
  "iri-reference": "https://example.com/",
  url: "https://example.com/",
  uuid: "00000000-0000-4000-8000-000000000000",
  "json-pointer": "/",
  regex: ".*",
};

const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The schema of version "1" (the version Svix reads examples from), else of the first version listed. */
export function primarySchema(schemas: Record<string, unknown> | null): unknown {
  if (schemas === null) return undefined;
  if ("1" in schemas) return schemas["1"];
  const first = Object.keys(schemas)[0];
  return first === undefined ? undefined : schemas[first];
}

/** `schemas["1"].examples[index]` when it is a JSON object (payloads are objects); else undefined. */
export function catalogExample(
  schemas: Record<string, unknown> | null,
  index: number,
): Record<string, unknown> | undefined {
  const schema = schemas?.["1"];
  if (!isObject(schema) || !Array.isArray(schema.examples)) return undefined;
  const example: unknown = schema.examples[index];
  return isObject(example) ? example : undefined;
}

/** The catalog example, else a generated one, else `{}`. */
export function examplePayload(schemas: Record<string, unknown> | null, index = 0): ExamplePayload {
  const example = catalogExample(schemas, index);
  if (example !== undefined) return { payload: example, source: "catalog" };
  const generated = generateExample(primarySchema(schemas));
  if (generated !== undefined) return { payload: generated, source: "generated" };
  return { payload: {}, source: "placeholder" };
}

/** A JSON object that `schema` describes, or undefined when the schema does not describe an object. */
export function generateExample(schema: unknown): Record<string, unknown> | undefined {
  if (!isObject(schema)) return undefined;
  // The root's `examples` are the catalog's, already considered (and found unusable) by the caller.
  const { examples: _examples, ...rest } = schema;
  const value = new Generator(schema).generate(rest, 0, []);
  return isObject(value) ? value : undefined;
}

/** `undefined` from `generate` means "no value": an optional property is then left out. */
class Generator {
  constructor(private readonly root: JsonObject) {}

  generate(schema: unknown, depth: number, refs: readonly string[]): unknown {
    if (schema === true) return null;
    if (!isObject(schema) || depth > MAX_DEPTH) return undefined;

    if (typeof schema.$ref === "string") {
      const ref = schema.$ref;
      // A schema that refers to itself (a tree, a linked list) is expanded once.
      if (refs.includes(ref)) return undefined;
      const target = this.resolve(ref);
      if (target === undefined) return undefined;
      return this.generate(target, depth + 1, [...refs, ref]);
    }
    if ("const" in schema) return schema.const;
    if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0] as unknown;
    if ("default" in schema) return schema.default;
    if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0] as unknown;

    if (Array.isArray(schema.allOf)) return this.allOf(schema, schema.allOf, depth, refs);
    for (const keyword of ["oneOf", "anyOf"] as const) {
      const branches = schema[keyword];
      if (!Array.isArray(branches)) continue;
      for (const branch of branches) {
        const value = this.generate(branch, depth + 1, refs);
        if (value !== undefined) return value;
      }
    }
    return this.byType(schema, depth, refs);
  }

  /** A local JSON pointer (`#/definitions/x`, `#/$defs/x`); other references cannot be resolved offline. */
  private resolve(ref: string): unknown {
    if (ref === "#") return this.root;
    if (!ref.startsWith("#/")) return undefined;
    let node: unknown = this.root;
    for (const raw of ref.slice(2).split("/")) {
      const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
      if (!isObject(node) && !Array.isArray(node)) return undefined;
      node = (node as Record<string, unknown>)[key];
    }
    return node;
  }

  private allOf(schema: JsonObject, parts: unknown[], depth: number, refs: readonly string[]): unknown {
    const { allOf: _allOf, ...own } = schema;
    const values = parts
      .map((part) => this.generate(part, depth + 1, refs))
      .filter((value) => value !== undefined);
    // The schema's own keywords beside `allOf` (often `type` and more `properties`) count when they say something.
    const ownValue = typeOf(own) === undefined ? undefined : this.generate(own, depth + 1, refs);
    if (ownValue !== undefined) values.push(ownValue);
    if (values.length > 0 && values.every(isObject)) return Object.assign({}, ...values) as JsonObject;
    return values[0];
  }

  private byType(schema: JsonObject, depth: number, refs: readonly string[]): unknown {
    switch (typeOf(schema)) {
      case "object":
        return this.object(schema, depth, refs);
      case "array":
        return this.array(schema, depth, refs);
      case "string":
        return stringSample(schema);
      case "integer":
        return numberSample(schema, true);
      case "number":
        return numberSample(schema, false);
      case "boolean":
        return true;
      default:
        return null;
    }
  }

  private object(schema: JsonObject, depth: number, refs: readonly string[]): JsonObject {
    const result: JsonObject = {};
    const required = Array.isArray(schema.required) ? schema.required : [];
    const properties = isObject(schema.properties) ? schema.properties : {};
    for (const [name, property] of Object.entries(properties)) {
      const value = this.generate(property, depth + 1, refs);
      if (value !== undefined) result[name] = value;
      else if (required.includes(name)) result[name] = null;
    }
    for (const name of required) {
      if (typeof name === "string" && !(name in result)) result[name] = null;
    }
    return result;
  }

  private array(schema: JsonObject, depth: number, refs: readonly string[]): unknown[] {
    const tuple = Array.isArray(schema.prefixItems)
      ? schema.prefixItems
      : Array.isArray(schema.items)
        ? schema.items
        : null;
    if (tuple !== null) return tuple.map((item) => this.generate(item, depth + 1, refs) ?? null);
    const maxItems = typeof schema.maxItems === "number" ? schema.maxItems : Number.POSITIVE_INFINITY;
    const minItems = typeof schema.minItems === "number" ? schema.minItems : 1;
    const count = Math.min(Math.max(minItems, 0), maxItems, MAX_GENERATED_ITEMS);
    if (count <= 0 || schema.items === undefined) return [];
    const item = this.generate(schema.items, depth + 1, refs);
    return item === undefined ? [] : Array.from({ length: count }, () => item);
  }
}

/** The schema's type: the first non-null one listed, else inferred from its keywords. */
function typeOf(schema: JsonObject): string | undefined {
  const { type } = schema;
  if (typeof type === "string") return type;
  if (Array.isArray(type)) {
    const named = type.filter((t): t is string => typeof t === "string");
    return named.find((t) => t !== "null") ?? named[0];
  }
  if (isObject(schema.properties) || Array.isArray(schema.required)) return "object";
  if (schema.items !== undefined || Array.isArray(schema.prefixItems)) return "array";
  if (typeof schema.format === "string" || typeof schema.minLength === "number") return "string";
  if (typeof schema.minimum === "number" || typeof schema.maximum === "number") return "number";
  return undefined;
}

function stringSample(schema: JsonObject): string {
  const format = typeof schema.format === "string" ? FORMAT_SAMPLES[schema.format] : undefined;
  let text = format ?? "string";
  if (typeof schema.minLength === "number" && text.length < schema.minLength) {
    text = text.padEnd(Math.min(schema.minLength, 1024), "x");
  }
  if (typeof schema.maxLength === "number" && text.length > schema.maxLength) {
    text = text.slice(0, Math.max(0, schema.maxLength));
  }
  return text;
}

function numberSample(schema: JsonObject, integer: boolean): number {
  const step = integer ? 1 : 0.5;
  let value = 0;
  if (typeof schema.minimum === "number") value = schema.minimum;
  if (typeof schema.exclusiveMinimum === "number") value = schema.exclusiveMinimum + step;
  else if (schema.exclusiveMinimum === true && typeof schema.minimum === "number") value += step;
  const maximum =
    typeof schema.exclusiveMaximum === "number"
      ? schema.exclusiveMaximum - step
      : typeof schema.maximum === "number"
        ? schema.maximum - (schema.exclusiveMaximum === true ? step : 0)
        : undefined;
  if (maximum !== undefined && value > maximum) value = maximum;
  if (typeof schema.multipleOf === "number" && schema.multipleOf > 0) {
    value = Math.ceil(value / schema.multipleOf) * schema.multipleOf;
  }
  return integer ? Math.ceil(value) : value;
}
