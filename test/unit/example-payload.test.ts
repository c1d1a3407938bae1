import { describe, expect, it } from "vitest";
import {
  catalogExample,
  examplePayload,
  generateExample,
  primarySchema,
} from "../../src/domain/example-payload.js";

describe("examplePayload", () => {
  it("takes the catalog's example first", () => {
    const schemas = { "1": { type: "object", examples: [{ id: 1 }, { id: 2 }] } };
    expect(examplePayload(schemas)).toEqual({ payload: { id: 1 }, source: "catalog" });
    expect(examplePayload(schemas, 1)).toEqual({ payload: { id: 2 }, source: "catalog" });
  });

  it("generates one when the example is missing or is not an object", () => {
    const schema = { type: "object", properties: { id: { type: "integer" } } };
    expect(examplePayload({ "1": schema })).toEqual({ payload: { id: 0 }, source: "generated" });
    expect(examplePayload({ "1": { ...schema, examples: ["text"] } })).toEqual({
      payload: { id: 0 },
      source: "generated",
    });
    expect(examplePayload({ "1": { ...schema, examples: [{ id: 9 }] } }, 3).source).toBe("generated");
  });

  it("falls back to an empty object without a usable schema", () => {
    expect(examplePayload(null)).toEqual({ payload: {}, source: "placeholder" });
    expect(examplePayload({})).toEqual({ payload: {}, source: "placeholder" });
    expect(examplePayload({ "1": { type: "string" } })).toEqual({ payload: {}, source: "placeholder" });
    expect(examplePayload({ "1": { type: "array", items: { type: "object" } } }).source).toBe("placeholder");
  });

  it("reads version 1, else the first version listed", () => {
    expect(primarySchema({ "2": { a: 2 }, "1": { a: 1 } })).toEqual({ a: 1 });
    expect(primarySchema({ "2": { a: 2 } })).toEqual({ a: 2 });
    expect(primarySchema(null)).toBeUndefined();
    expect(catalogExample({ "2": { examples: [{ a: 1 }] } }, 0)).toBeUndefined();
  });
});

describe("generateExample", () => {
  it("fills every property with a value of its type", () => {
    const schema = {
      type: "object",
      required: ["id"],
      properties: {
        id: { type: "string", format: "uuid" },
        email: { type: "string", format: "email" },
        createdAt: { type: "string", format: "date-time" },
        name: { type: "string" },
        age: { type: "integer", minimum: 18 },
        score: { type: "number", exclusiveMinimum: 1, maximum: 10 },
        active: { type: "boolean" },
        deletedAt: { type: ["null", "string"], format: "date" },
        nothing: { type: "null" },
        tags: { type: "array", items: { type: "string" } },
        address: { type: "object", properties: { city: { type: "string" } } },
      },
    };
    expect(generateExample(schema)).toEqual({
      id: "00000000-0000-4000-8000-000000000000",
      email: "user@example.com",
      createdAt: "2025-01-01T00:00:00Z",
      name: "string",
      age: 18,
      score: 1.5,
      active: true,
      deletedAt: "2025-01-01",
      nothing: null,
      tags: ["string"],
      address: { city: "string" },
    });
  });

  it("prefers const, examples, default and enum over the type", () => {
    expect(
      generateExample({
        properties: {
          kind: { const: "user" },
          plan: { type: "string", examples: ["pro"], default: "free" },
          seats: { type: "integer", default: 5 },
          region: { type: "string", enum: ["eu", "us"] },
        },
      }),
    ).toEqual({ kind: "user", plan: "pro", seats: 5, region: "eu" });
  });

  it("honours string lengths and numeric bounds", () => {
    expect(
      generateExample({
        type: "object",
        properties: {
          code: { type: "string", minLength: 10 },
          short: { type: "string", maxLength: 3 },
          negative: { type: "integer", maximum: -5 },
          even: { type: "integer", minimum: 3, multipleOf: 2 },
          below: { type: "integer", exclusiveMaximum: 0 },
        },
      }),
    ).toEqual({ code: "stringxxxx", short: "str", negative: -5, even: 4, below: -1 });
  });

  it("builds arrays of minItems (capped), tuples, and empty arrays when asked", () => {
    expect(
      generateExample({
        properties: {
          pair: { type: "array", prefixItems: [{ type: "integer" }, { type: "string" }] },
          three: { type: "array", minItems: 3, items: { type: "boolean" } },
          many: { type: "array", minItems: 500, items: { const: 1 } },
          none: { type: "array", maxItems: 0, items: { type: "string" } },
        },
      }),
    ).toEqual({
      pair: [0, "string"],
      three: [true, true, true],
      many: Array.from({ length: 10 }, () => 1),
      none: [],
    });
  });

  it("resolves local references and expands a recursive one once", () => {
    const schema = {
      $defs: {
        node: {
          type: "object",
          required: ["value", "parent"],
          properties: {
            value: { type: "integer" },
            parent: { $ref: "#/$defs/node" },
            children: { type: "array", items: { $ref: "#/$defs/node" } },
          },
        },
      },
      definitions: { money: { type: "object", properties: { amount: { type: "number" } } } },
      type: "object",
      properties: {
        root: { $ref: "#/$defs/node" },
        price: { $ref: "#/definitions/money" },
        remote: { $ref: "https://example.com/schema.json" },
      },
    };
    expect(generateExample(schema)).toEqual({
      root: { value: 0, parent: null, children: [] },
      price: { amount: 0 },
    });
  });

  it("merges allOf objects and takes the first usable oneOf / anyOf branch", () => {
    expect(
      generateExample({
        allOf: [
          { type: "object", properties: { id: { type: "integer" } } },
          { properties: { name: { type: "string" } } },
        ],
        properties: { extra: { type: "boolean" } },
        type: "object",
      }),
    ).toEqual({ id: 0, name: "string", extra: true });
    expect(
      generateExample({
        type: "object",
        properties: {
          either: { oneOf: [{ $ref: "#/nowhere" }, { type: "integer" }] },
          any: { anyOf: [{ type: "string", format: "ipv4" }] },
        },
      }),
    ).toEqual({ either: 0, any: "192.0.2.1" });
  });

  it("returns undefined for what is not an object schema", () => {
    expect(generateExample(undefined)).toBeUndefined();
    expect(generateExample(true)).toBeUndefined();
    expect(generateExample({ type: "integer" })).toBeUndefined();
    expect(generateExample({ $ref: "#" })).toBeUndefined();
  });

  it("is deterministic and does not modify the schema", () => {
    const schema = { type: "object", properties: { at: { type: "string", format: "date-time" } } };
    const copy = structuredClone(schema);
    expect(generateExample(schema)).toEqual(generateExample(schema));
    expect(schema).toEqual(copy);
  });

  it("stops at a bounded depth on very deep schemas", () => {
    let schema: Record<string, unknown> = { type: "string" };
    for (let i = 0; i < 100; i++) schema = { type: "object", properties: { next: schema } };
    const example = generateExample(schema);
    expect(JSON.stringify(example).length).toBeLessThan(400);
  });
});
