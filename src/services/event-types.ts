import {
  HeraldError,
  notFound,
  ValidationError,
  type ErrorLocation,
  type ValidationIssue,
} from "../domain/errors.js";
import type { EventType } from "../domain/types.js";
import { normaliseSet, textProblem } from "../domain/validation.js";
import type { Page, PageRequest } from "../store/store.js";
import type { ServiceContext } from "./context.js";

/** The writable fields of an event type (its name is its key), aliases already resolved. */
export type EventTypeFields = Omit<EventType, "name" | "createdAt" | "updatedAt">;

/** A partial update: `undefined` leaves a field alone, `null` clears a nullable one. */
export type EventTypeChanges = { [K in keyof EventTypeFields]?: EventTypeFields[K] | undefined };

const EVENT_TYPE_NAME = /^[a-zA-Z0-9\-_.]{1,256}$/;

export function isEventTypeName(name: string): boolean {
  return EVENT_TYPE_NAME.test(name);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Each version's schema must be a JSON Schema object; its `examples`, when present, a list of payloads. */
function schemasIssues(schemas: Record<string, unknown>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const [version, schema] of Object.entries(schemas)) {
    if (!isObject(schema)) {
      issues.push({
        loc: ["body", "schemas", version],
        msg: "A schema must be a JSON Schema object",
        type: "value_error",
      });
    } else if (schema.examples !== undefined && !Array.isArray(schema.examples)) {
      issues.push({
        loc: ["body", "schemas", version, "examples"],
        msg: "Examples must be an array",
        type: "value_error",
      });
    }
  }
  return issues;
}

function validate(fields: Partial<EventTypeFields>, name?: { value: string; loc: ErrorLocation }): void {
  const issues: ValidationIssue[] = [];
  if (name && !isEventTypeName(name.value)) {
    issues.push({
      loc: name.loc,
      msg: "Event type names are 1-256 characters of a-z, A-Z, 0-9, '.', '_' and '-'",
      type: "value_error",
    });
  }
  if (fields.description !== undefined) {
    const problem = textProblem(fields.description);
    if (problem) issues.push({ loc: ["body", "description"], msg: problem, type: "value_error" });
  }
  if (fields.schemas) issues.push(...schemasIssues(fields.schemas));
  if (issues.length > 0) throw new ValidationError(issues);
}

function normalise<T extends Partial<EventTypeFields>>(fields: T): T {
  return fields.featureFlags ? { ...fields, featureFlags: normaliseSet(fields.featureFlags) } : fields;
}

export interface EventTypeService {
  /** 409 `event_type_exists` for a live name; an archived one is revived and overwritten. */
  create(name: string, fields: EventTypeFields): Promise<EventType>;
  get(name: string): Promise<EventType>;
  list(page: PageRequest, includeArchived: boolean): Promise<Page<EventType>>;
  /** PUT: full replacement, or creation when `name` names nothing. */
  upsert(name: string, fields: EventTypeFields): Promise<{ eventType: EventType; created: boolean }>;
  patch(name: string, changes: EventTypeChanges): Promise<EventType>;
  /** Archives the event type, or with `expunge` deletes it for good. */
  delete(name: string, expunge: boolean): Promise<void>;
  /** Of `names`, those that do not exist or are archived (sorted): what an endpoint filter may not newly name. */
  unavailable(names: readonly string[]): Promise<string[]>;
}

export function createEventTypeService(ctx: ServiceContext): EventTypeService {
  const { store } = ctx;

  async function get(name: string): Promise<EventType> {
    const eventType = await store.getEventType(name);
    if (!eventType) throw notFound();
    return eventType;
  }

  async function insert(name: string, fields: EventTypeFields): Promise<EventType> {
    const now = ctx.now();
    const eventType: EventType = { name, ...normalise(fields), createdAt: now, updatedAt: now };
    try {
      await store.createEventType(eventType);
    } catch (error) {
      // A concurrent create of the same name won the race.
      if (error instanceof HeraldError && error.code === "conflict")
        throw new HeraldError("event_type_exists");
      throw error;
    }
    return eventType;
  }

  async function replace(current: EventType, fields: EventTypeFields): Promise<EventType> {
    const updated: EventType = { ...current, ...normalise(fields), updatedAt: ctx.now() };
    await store.updateEventType(updated);
    return updated;
  }

  return {
    get,
    list: (page, includeArchived) => store.listEventTypes(page, includeArchived),

    async create(name, fields) {
      validate(fields, { value: name, loc: ["body", "name"] });
      const existing = await store.getEventType(name);
      if (!existing) return insert(name, fields);
      if (!existing.archived) throw new HeraldError("event_type_exists");
      return replace(existing, fields);
    },

    async upsert(name, fields) {
      validate(fields, { value: name, loc: ["path", "event_type_name"] });
      const existing = await store.getEventType(name);
      if (existing) return { eventType: await replace(existing, fields), created: false };
      return { eventType: await insert(name, fields), created: true };
    },

    async patch(name, changes) {
      validate(changes);
      const current = await get(name);
      const next: EventTypeFields = {
        description: changes.description ?? current.description,
        archived: changes.archived ?? current.archived,
        deprecated: changes.deprecated ?? current.deprecated,
        groupName: changes.groupName === undefined ? current.groupName : changes.groupName,
        schemas: changes.schemas === undefined ? current.schemas : changes.schemas,
        featureFlags: changes.featureFlags === undefined ? current.featureFlags : changes.featureFlags,
      };
      return replace(current, next);
    },

    async delete(name, expunge) {
      const current = await get(name);
      if (expunge) await store.deleteEventType(current.name);
      else if (!current.archived) await replace(current, { ...current, archived: true });
    },

    async unavailable(names) {
      const wanted = normaliseSet(names);
      if (wanted.length === 0) return [];
      const live = new Set(await store.findLiveEventTypeNames(wanted));
      return wanted.filter((name) => !live.has(name));
    },
  };
}
