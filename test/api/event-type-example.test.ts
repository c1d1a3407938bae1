/**
 * `GET /api/v1/event-type/{name}/example` (Herald's addition): the payload send-example and the endpoint test
 * would send, so the UI can show an event type's sample before anything is sent.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS } from "../helpers/databases.js";
import { startTestHerald, type TestHerald } from "../helpers/herald.js";
import { rawCall } from "../helpers/raw-api.js";

const example = (herald: TestHerald, name: string, query = "", token?: string) =>
  rawCall(herald, "GET", `/api/v1/event-type/${encodeURIComponent(name)}/example${query}`, { token });

describe.each(BACKENDS)("event-type examples on %s", (backend) => {
  let herald: TestHerald;

  beforeAll(async () => {
    herald = await startTestHerald({ backend });
    await herald.svix.eventType.create({
      name: "invoice.paid",
      description: "An invoice was paid",
      schemas: {
        "1": {
          type: "object",
          properties: { id: { type: "string" } },
          examples: [{ id: "inv_1" }, { id: "inv_2" }],
        },
      },
    });
    await herald.svix.eventType.create({
      name: "user.created",
      description: "A user signed up",
      schemas: {
        "1": {
          type: "object",
          required: ["id", "email"],
          properties: { id: { type: "integer", minimum: 1 }, email: { type: "string", format: "email" } },
        },
      },
    });
    await herald.svix.eventType.create({ name: "bare.event", description: "No schema" });
  });
  afterAll(async () => {
    await herald?.stop();
  });

  it("returns the catalog's first example (source catalog) with the admin token", async () => {
    const response = await example(herald, "invoice.paid");
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ eventType: "invoice.paid", payload: { id: "inv_1" }, source: "catalog" });
  });

  it("selects the n-th example with index", async () => {
    const response = await example(herald, "invoice.paid", "?index=1");
    expect(response.json).toEqual({ eventType: "invoice.paid", payload: { id: "inv_2" }, source: "catalog" });
  });

  it("generates a sample from the JSON Schema when the catalog has no example (source generated)", async () => {
    const response = await example(herald, "user.created");
    expect(response.status).toBe(200);
    expect(response.json).toEqual({
      eventType: "user.created",
      payload: { id: 1, email: "user@example.com" },
      source: "generated",
    });
    // An index past the catalog's examples falls back to the schema too.
    const past = await example(herald, "invoice.paid", "?index=5");
    expect(past.json).toEqual({ eventType: "invoice.paid", payload: { id: "string" }, source: "generated" });
  });

  it("answers {} (source placeholder) for an event type without a schema", async () => {
    const response = await example(herald, "bare.event");
    expect(response.json).toEqual({ eventType: "bare.event", payload: {}, source: "placeholder" });
  });

  it("knows svix.ping without a catalog entry", async () => {
    const response = await example(herald, "svix.ping");
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ eventType: "svix.ping", payload: { success: true }, source: "catalog" });
  });

  it("answers 404 for an unknown name and 422 for a bad index", async () => {
    const unknown = await example(herald, "no.such.type");
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ code: "not_found" });

    for (const bad of ["?index=-1", "?index=abc", "?index=101"]) {
      const response = await example(herald, "invoice.paid", bad);
      expect(response.status, bad).toBe(422);
      expect(response.json, bad).toMatchObject({ detail: [{ loc: ["query", "index"] }] });
    }
  });

  it("is readable with an application's portal token (the portal's catalog shows samples)", async () => {
    const app = await herald.svix.application.create({ name: "Tenant" });
    const { token } = await herald.svix.authentication.appPortalAccess(app.id, { readOnly: true });
    const response = await example(herald, "invoice.paid", "", token);
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ source: "catalog" });
  });
});
