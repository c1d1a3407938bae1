/**
 * The event-type catalog (svix-api.md §4) through a real Herald: the official SDK where it covers a route, raw
 * HTTP for error shapes, the v1 field names and null-versus-absent.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS } from "../helpers/databases.js";
import { startTestHerald, type TestHerald } from "../helpers/herald.js";
import { apiError, rawCall } from "../helpers/raw-api.js";

const SCHEMAS = {
  "1": {
    type: "object",
    properties: { id: { type: "integer" } },
    examples: [{ id: 1 }, { id: 2 }],
  },
};

describe.each(BACKENDS)("event types on %s", (backend) => {
  let herald: TestHerald;

  beforeAll(async () => {
    herald = await startTestHerald({ backend });
  });
  afterAll(async () => {
    await herald?.stop();
  });

  it("creates an event type and echoes every field (201)", async () => {
    const created = await herald.svix.eventType.create({
      name: "user.signup",
      description: "A user signed up",
      schemas: SCHEMAS,
      groupName: "users",
      featureFlags: ["beta", "alpha"],
    });
    expect(created).toMatchObject({
      name: "user.signup",
      description: "A user signed up",
      archived: false,
      deprecated: false,
      schemas: SCHEMAS,
      groupName: "users",
      featureFlags: ["alpha", "beta"],
    });
    expect(created.createdAt).toBeInstanceOf(Date);
    expect(created.createdAt.getTime()).toBe(created.updatedAt.getTime());

    const raw = await rawCall(herald, "GET", "/api/v1/event-type/user.signup");
    expect(raw.status).toBe(200);
    expect(raw.json).toMatchObject({
      featureFlag: "alpha",
      featureFlags: ["alpha", "beta"],
      groupName: "users",
    });
  });

  it("answers 409 event_type_exists for a live name", async () => {
    await herald.svix.eventType.create({ name: "dup.type", description: "first" });
    const error = await apiError(herald.svix.eventType.create({ name: "dup.type", description: "second" }));
    expect(error).toEqual({
      code: 409,
      body: { code: "event_type_exists", detail: "An event_type with this name already exists" },
    });
  });

  it("revives and overwrites an archived name on create (201)", async () => {
    await herald.svix.eventType.create({ name: "revived.type", description: "old", groupName: "g" });
    await herald.svix.eventType.delete("revived.type");
    expect((await herald.svix.eventType.get("revived.type")).archived).toBe(true);

    const response = await rawCall(herald, "POST", "/api/v1/event-type", {
      body: {
        name: "revived.type",
        description: "new",
      },
    });
    expect(response.status).toBe(201);
    expect(response.json).toMatchObject({
      name: "revived.type",
      description: "new",
      archived: false,
      groupName: null,
    });
  });

  it("gets one event type with its schemas, and 404s with a JSON body for an unknown name", async () => {
    await herald.svix.eventType.create({ name: "get.me", description: "d", schemas: SCHEMAS });
    expect((await herald.svix.eventType.get("get.me")).schemas).toEqual(SCHEMAS);
    const error = await apiError(herald.svix.eventType.get("no.such.type"));
    expect(error).toEqual({ code: 404, body: { code: "not_found", detail: "Entity not found" } });
  });

  it("validates the body with 422 and Svix's error shape", async () => {
    const badName = await rawCall(herald, "POST", "/api/v1/event-type", {
      body: { name: "bad name!", description: "d" },
    });
    expect(badName.status).toBe(422);
    expect(badName.json).toMatchObject({ detail: [{ loc: ["body", "name"] }] });

    const noDescription = await rawCall(herald, "POST", "/api/v1/event-type", {
      body: { name: "no.description" },
    });
    expect(noDescription.status).toBe(422);
    expect(noDescription.json).toMatchObject({ detail: [{ loc: ["body", "description"] }] });

    const notASchema = await rawCall(herald, "POST", "/api/v1/event-type", {
      body: {
        name: "bad.schema",
        description: "d",
        schemas: { "1": "not a schema" },
      },
    });
    expect(notASchema.status).toBe(422);
    expect(notASchema.json).toEqual({
      detail: [
        { loc: ["body", "schemas", "1"], msg: "A schema must be a JSON Schema object", type: "value_error" },
      ],
    });

    const badExamples = await rawCall(herald, "POST", "/api/v1/event-type", {
      body: {
        name: "bad.examples",
        description: "d",
        schemas: { "1": { examples: { id: 1 } } },
      },
    });
    expect(badExamples.status).toBe(422);
    expect(badExamples.json).toMatchObject({ detail: [{ loc: ["body", "schemas", "1", "examples"] }] });

    const control = await rawCall(herald, "POST", "/api/v1/event-type", {
      body: {
        name: "ctrl.type",
        description: "a\u0001b",
      },
    });
    expect(control.status).toBe(422);
    expect(control.json).toMatchObject({ detail: [{ loc: ["body", "description"], type: "value_error" }] });
  });

  it("ignores unknown fields and accepts the v1 SDK's single featureFlag", async () => {
    const response = await rawCall(herald, "POST", "/api/v1/event-type", {
      body: {
        name: "v1.flagged",
        description: "d",
        featureFlag: "legacy-flag",
        somethingNew: { nested: true },
      },
    });
    expect(response.status).toBe(201);
    expect(response.json).toMatchObject({ featureFlag: "legacy-flag", featureFlags: ["legacy-flag"] });
  });

  it("upserts with PUT: 201 when new, 200 and full replacement when it exists", async () => {
    const created = await rawCall(herald, "PUT", "/api/v1/event-type/put.type", {
      body: {
        description: "first",
        groupName: "g",
        deprecated: true,
      },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: "put.type", groupName: "g", deprecated: true });

    const replaced = await herald.svix.eventType.upsert("put.type", { description: "second" });
    expect(replaced).toMatchObject({
      name: "put.type",
      description: "second",
      groupName: null,
      deprecated: false,
    });

    const badName = await rawCall(herald, "PUT", "/api/v1/event-type/bad%20name", {
      body: { description: "d" },
    });
    expect(badName.status).toBe(422);
    expect(badName.json).toMatchObject({ detail: [{ loc: ["path", "event_type_name"] }] });
  });

  it("patches: absent leaves a field alone, null clears a nullable one, null on the others is a 422", async () => {
    await herald.svix.eventType.create({
      name: "patch.type",
      description: "keep me",
      groupName: "g",
      schemas: SCHEMAS,
      featureFlags: ["f"],
    });
    const patched = await herald.svix.eventType.patch("patch.type", { groupName: null, deprecated: true });
    expect(patched).toMatchObject({
      description: "keep me",
      groupName: null,
      deprecated: true,
      schemas: SCHEMAS,
      featureFlags: ["f"],
    });

    const cleared = await rawCall(herald, "PATCH", "/api/v1/event-type/patch.type", {
      body: {
        schemas: null,
        featureFlags: null,
      },
    });
    expect(cleared.json).toMatchObject({
      schemas: null,
      featureFlags: null,
      featureFlag: null,
      description: "keep me",
    });

    const nullDescription = await rawCall(herald, "PATCH", "/api/v1/event-type/patch.type", {
      body: {
        description: null,
      },
    });
    expect(nullDescription.status).toBe(422);
    expect(nullDescription.json).toMatchObject({ detail: [{ loc: ["body", "description"] }] });

    const missing = await rawCall(herald, "PATCH", "/api/v1/event-type/no.such.type", {
      body: { description: "x" },
    });
    expect(missing).toMatchObject({ status: 404, json: { code: "not_found", detail: "Entity not found" } });
  });

  it("archives on DELETE (hidden from the list unless asked), and expunges for good", async () => {
    await herald.svix.eventType.create({ name: "zz.archive.me", description: "d" });
    await herald.svix.eventType.delete("zz.archive.me");
    const listed = await herald.svix.eventType.list({ limit: 250 });
    expect(listed.data.map((t) => t.name)).not.toContain("zz.archive.me");
    const withArchived = await herald.svix.eventType.list({ limit: 250, includeArchived: true });
    expect(withArchived.data.find((t) => t.name === "zz.archive.me")?.archived).toBe(true);

    await herald.svix.eventType.delete("zz.archive.me", { expunge: true });
    expect((await apiError(herald.svix.eventType.get("zz.archive.me"))).code).toBe(404);
    expect((await rawCall(herald, "DELETE", "/api/v1/event-type/zz.archive.me")).status).toBe(404);
  });

  it("lists by name with keyset pagination, without schemas unless with_content=true", async () => {
    for (const name of ["list.c", "list.a", "list.b"]) {
      await herald.svix.eventType.create({ name, description: name, schemas: SCHEMAS });
    }
    const all = await herald.svix.eventType.list({ limit: 250 });
    const names = all.data.map((t) => t.name);
    expect(names).toEqual([...names].sort());
    expect(all.done).toBe(true);
    expect(all.data.every((t) => t.schemas === null)).toBe(true);

    const withContent = await herald.svix.eventType.list({ limit: 250, withContent: true });
    expect(withContent.data.find((t) => t.name === "list.a")?.schemas).toEqual(SCHEMAS);

    // curl and the v1 SDK omit with_content: the event-type list still defaults to no content.
    const raw = await rawCall(herald, "GET", "/api/v1/event-type?limit=250");
    expect(raw.json).toMatchObject({
      data: expect.arrayContaining([expect.objectContaining({ name: "list.a", schemas: null })]),
    });

    const first = await herald.svix.eventType.list({ limit: 2, iterator: "list" });
    expect(first.data.map((t) => t.name)).toEqual(["list.a", "list.b"]);
    expect(first.iterator).toBe("list.b");
    expect(first.done).toBe(false);
    const second = await herald.svix.eventType.list({ limit: 2, iterator: first.iterator ?? undefined });
    expect(second.data[0]?.name).toBe("list.c");
  });

  it("rejects limit over 250 with a 422 on the query", async () => {
    const response = await rawCall(herald, "GET", "/api/v1/event-type?limit=251");
    expect(response.status).toBe(422);
    expect(response.json).toMatchObject({ detail: [{ loc: ["query", "limit"] }] });
  });

  it("answers the OpenAPI import with a JSON 501", async () => {
    const response = await rawCall(herald, "POST", "/api/v1/event-type/import/openapi", {
      body: { spec: {} },
    });
    expect(response.status).toBe(501);
    expect(response.json).toMatchObject({ code: "not_implemented" });
  });
});
