import { conflict, notFound, ValidationError } from "../domain/errors.js";
import { newId } from "../domain/ids.js";
import type { Application, Metadata, RetrySchedule } from "../domain/types.js";
import { metadataProblem, textProblem, uidProblem } from "../domain/validation.js";
import { TtlCache } from "../lib/ttl-cache.js";
import type { Page, PageRequest } from "../store/store.js";
import type { ServiceContext } from "./context.js";

/** The writable fields of an application, aliases already resolved. */
export interface ApplicationFields {
  name: string;
  uid: string | null;
  throttleRate: number | null;
  metadata: Metadata;
  retrySchedule: RetrySchedule | null;
}

/** A partial update: `undefined` leaves a field alone, `null` clears a nullable one. */
export type ApplicationChanges = { [K in keyof ApplicationFields]?: ApplicationFields[K] | undefined };

function validate(fields: Partial<ApplicationFields>): void {
  const issues: ValidationError["issues"][number][] = [];
  if (fields.name !== undefined) {
    const problem = textProblem(fields.name);
    if (problem) issues.push({ loc: ["body", "name"], msg: problem, type: "value_error" });
  }
  if (fields.uid) {
    const problem = uidProblem(fields.uid, "app_");
    if (problem) issues.push({ loc: ["body", "uid"], msg: problem, type: "value_error" });
  }
  if (fields.metadata) {
    const problem = metadataProblem(fields.metadata);
    if (problem) issues.push({ loc: ["body", "metadata"], msg: problem, type: "value_error" });
  }
  if (issues.length > 0) throw new ValidationError(issues);
}

/**
 * Every application-scoped request starts with an application lookup, and message accept is the hot path: a
 * short-lived cache takes that round trip off it. Writes through this process invalidate at once; another
 * process's writes are seen within the TTL.
 */
const LOOKUP_CACHE_TTL_MS = 1_000;
const LOOKUP_CACHE_MAX_ENTRIES = 10_000;

export interface ApplicationService {
  /** By id or uid, or null. */
  find(idOrUid: string): Promise<Application | null>;
  create(fields: ApplicationFields): Promise<Application>;
  /** Returns the application with `fields.uid` untouched if it exists (`created: false`), else creates it. */
  getOrCreate(fields: ApplicationFields): Promise<{ application: Application; created: boolean }>;
  get(idOrUid: string): Promise<Application>;
  /**
   * The application `appIdOrUid` names; when none exists and the request carries an inline application (message
   * create, portal access), creates it under Svix's rule: its uid must be the one the path names.
   */
  findOrCreateInline(appIdOrUid: string, inline: ApplicationFields | null): Promise<Application>;
  list(page: PageRequest): Promise<Page<Application>>;
  /** PUT: full replacement, or creation when `idOrUid` names nothing. */
  upsert(idOrUid: string, fields: ApplicationFields): Promise<{ application: Application; created: boolean }>;
  patch(idOrUid: string, changes: ApplicationChanges): Promise<Application>;
  delete(idOrUid: string): Promise<void>;
}

export function createApplicationService(ctx: ServiceContext): ApplicationService {
  const { store } = ctx;
  const lookups = new TtlCache<string, Application>(LOOKUP_CACHE_TTL_MS, LOOKUP_CACHE_MAX_ENTRIES, ctx.now);

  async function find(idOrUid: string): Promise<Application | null> {
    const cached = lookups.get(idOrUid);
    if (cached) return cached;
    const application = await store.getApplication(idOrUid);
    if (application) lookups.set(idOrUid, application);
    return application;
  }

  async function get(idOrUid: string): Promise<Application> {
    const application = await find(idOrUid);
    if (!application) throw notFound();
    return application;
  }

  async function getOrCreate(
    fields: ApplicationFields,
  ): Promise<{ application: Application; created: boolean }> {
    if (fields.uid !== null) {
      const existing = await store.getApplication(fields.uid);
      if (existing) return { application: existing, created: false };
    }
    return { application: await create(fields), created: true };
  }

  async function create(fields: ApplicationFields): Promise<Application> {
    validate(fields);
    const now = ctx.now();
    const application: Application = {
      id: newId("application", now),
      ...fields,
      createdAt: now,
      updatedAt: now,
    };
    if (fields.uid !== null && (await store.getApplication(fields.uid))) {
      throw conflict("An application with that id or uid already exists");
    }
    await store.createApplication(application);
    return application;
  }

  async function write(current: Application, fields: ApplicationFields): Promise<Application> {
    validate(fields);
    if (fields.uid !== null && fields.uid !== current.uid) {
      const holder = await store.getApplication(fields.uid);
      if (holder && holder.id !== current.id)
        throw conflict("An application with that id or uid already exists");
    }
    const updated: Application = { ...current, ...fields, updatedAt: ctx.now() };
    await store.updateApplication(updated);
    // The old uid may now name nothing, or (after a swap) another application.
    lookups.clear();
    return updated;
  }

  return {
    find,
    create,
    get,
    list: (page) => store.listApplications(page),

    async getOrCreate(fields) {
      return getOrCreate(fields);
    },

    async findOrCreateInline(appIdOrUid, inline) {
      const existing = await find(appIdOrUid);
      if (existing) return existing;
      if (inline === null) throw notFound("Application not found");
      if (inline.uid === null) {
        throw ValidationError.field(
          ["body", "application", "uid"],
          "An application uid is required to create the application",
          "application_uid_missing",
        );
      }
      if (inline.uid !== appIdOrUid) {
        throw ValidationError.field(
          ["body", "application", "uid"],
          "The application uid must match the application in the path",
          "application_uid_mismatch",
        );
      }
      return (await getOrCreate(inline)).application;
    },

    async upsert(idOrUid, fields) {
      const current = await store.getApplication(idOrUid);
      if (current) return { application: await write(current, fields), created: false };
      // Herald extension: PUT /app/{uid} with no uid in the body creates the application under that uid.
      const uid = fields.uid ?? (idOrUid.startsWith("app_") ? null : idOrUid);
      return { application: await create({ ...fields, uid }), created: true };
    },

    async patch(idOrUid, changes) {
      const current = await get(idOrUid);
      const next: ApplicationFields = {
        name: changes.name ?? current.name,
        uid: changes.uid === undefined ? current.uid : changes.uid,
        throttleRate: changes.throttleRate === undefined ? current.throttleRate : changes.throttleRate,
        metadata: changes.metadata ?? current.metadata,
        retrySchedule: changes.retrySchedule === undefined ? current.retrySchedule : changes.retrySchedule,
      };
      return write(current, next);
    },

    async delete(idOrUid) {
      const application = await get(idOrUid);
      await store.deleteApplication(application.id, ctx.now());
      lookups.clear();
    },
  };
}
