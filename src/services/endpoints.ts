import { conflict, HeraldError, notFound, ValidationError, type ValidationIssue } from "../domain/errors.js";
import { normaliseEndpointUrl } from "../domain/endpoint-url.js";
import {
  headersProblems,
  mergeHeaders,
  splitSensitiveHeaders,
  type CustomHeaders,
} from "../domain/headers.js";
import { newId } from "../domain/ids.js";
import { generateSecret, displayedSecret, parseSecret, secretFitsScheme } from "../domain/secrets.js";
import { resolveSignatureConfig, type SignatureConfigInput } from "../domain/signature-config.js";
import type {
  Application,
  Endpoint,
  EpochMs,
  Metadata,
  PayloadFormat,
  RetrySchedule,
  SignatureConfig,
} from "../domain/types.js";
import { metadataProblem, normaliseSet, textProblem, uidProblem } from "../domain/validation.js";
import type { EndpointAttemptCounts, Page, PageRequest } from "../store/store.js";
import type { ApplicationService } from "./applications.js";
import type { ServiceContext } from "./context.js";
import {
  createEndpointRecovery,
  type BackgroundTask,
  type QueueManualDeliveries,
} from "./endpoint-recovery.js";
import type { EventTypeService } from "./event-types.js";

/** The writable fields of an endpoint, aliases already resolved; `signature` as written (defaults not yet applied). */
export interface EndpointFields {
  url: string;
  name: string;
  description: string;
  uid: string | null;
  disabled: boolean;
  eventTypes: string[] | null;
  channels: string[] | null;
  throttleRate: number | null;
  metadata: Metadata;
  version: number;
  payloadFormat: PayloadFormat;
  signature: SignatureConfigInput;
  retrySchedule: RetrySchedule | null;
  timeoutSeconds: number;
}

/** A partial update: `undefined` leaves a field alone, `null` clears a nullable one. */
export type EndpointChanges = { [K in keyof EndpointFields]?: EndpointFields[K] | undefined } & {
  /** Replaces the custom headers when present. */
  headers?: CustomHeaders | undefined;
};

/** What only creation takes: an initial secret (null = generate one) and initial custom headers. */
export interface EndpointExtras {
  secret: string | null;
  /** undefined: on creation none, on update unchanged. */
  headers: CustomHeaders | undefined;
}

export const DEFAULT_TIMEOUT_SECONDS = 15;
const DEFAULT_ROTATION_GRACE_SECONDS = 86_400;
const DAY_MS = 86_400_000;
const MAX_STATS_SPAN_MS = 28 * DAY_MS + 5 * 60_000;
const UID_PATTERN = /^[a-zA-Z0-9\-_.]{1,256}$/;

export interface EndpointService {
  create(application: Application, fields: EndpointFields, extras: EndpointExtras): Promise<Endpoint>;
  get(application: Application, idOrUid: string): Promise<Endpoint>;
  list(application: Application, page: PageRequest): Promise<Page<Endpoint>>;
  /** PUT: full replacement (custom headers and secret are kept), or creation when `idOrUid` names nothing. */
  upsert(
    application: Application,
    idOrUid: string,
    fields: EndpointFields,
    extras: EndpointExtras,
  ): Promise<{ endpoint: Endpoint; created: boolean }>;
  patch(application: Application, idOrUid: string, changes: EndpointChanges): Promise<Endpoint>;
  delete(application: Application, idOrUid: string): Promise<void>;

  /** The current key as GET …/secret shows it (`whpk_` for an ed25519 key pair). */
  getSecret(application: Application, idOrUid: string): Promise<string>;
  /** `key` null generates one; the previous key stays valid for `gracePeriodSeconds` (null = one day). */
  rotateSecret(
    application: Application,
    idOrUid: string,
    key: string | null,
    gracePeriodSeconds: number | null,
  ): Promise<void>;

  getHeaders(
    application: Application,
    idOrUid: string,
  ): Promise<{ headers: CustomHeaders; sensitive: string[] }>;
  setHeaders(application: Application, idOrUid: string, headers: CustomHeaders): Promise<void>;
  /** Sets the non-null values, removes the null ones and the names in `remove`. */
  patchHeaders(
    application: Application,
    idOrUid: string,
    changes: Record<string, string | null>,
    remove: readonly string[],
  ): Promise<void>;

  recover(
    application: Application,
    idOrUid: string,
    since: EpochMs,
    until: EpochMs | null,
  ): Promise<BackgroundTask>;
  /** Attempts to the endpoint in `[since, until]`; until defaults to now, since to 28 days before until. */
  stats(
    application: Application,
    idOrUid: string,
    since: EpochMs | null,
    until: EpochMs | null,
  ): Promise<EndpointAttemptCounts>;
  /** Resolves once background work (recoveries) started so far has finished. */
  whenIdle(): Promise<void>;
}

function headerIssues(headers: CustomHeaders, field: string): ValidationIssue[] {
  return headersProblems(headers).map(([name, msg]) => ({
    loc: name === null ? ["body", field] : ["body", field, name],
    msg,
    type: "value_error",
  }));
}

export function createEndpointService(
  ctx: ServiceContext,
  deps: {
    applications: ApplicationService;
    eventTypes: EventTypeService;
    /** How recovery queues its re-sends; default: straight into the store (the engine then finds them by polling). */
    queueManualDeliveries?: QueueManualDeliveries;
  },
): EndpointService {
  const { store } = ctx;
  const recovery = createEndpointRecovery(ctx, deps.queueManualDeliveries);

  /** Validates `fields` and returns them normalised; `current` is the endpoint being replaced, if any. */
  async function prepare(
    application: Application,
    fields: EndpointFields,
    current: Endpoint | null,
  ): Promise<Omit<Endpoint, "id" | "appId" | "headers" | "createdAt" | "updatedAt">> {
    const issues: ValidationIssue[] = [];
    const problem = (field: string, msg: string | null): void => {
      if (msg) issues.push({ loc: ["body", field], msg, type: "value_error" });
    };
    const url = normaliseEndpointUrl(fields.url);
    problem("url", "problem" in url ? url.problem : null);
    problem("name", textProblem(fields.name));
    problem("description", textProblem(fields.description));
    if (fields.uid !== null) problem("uid", uidProblem(fields.uid, "ep_"));
    problem("metadata", metadataProblem(fields.metadata));
    let signature: SignatureConfig = { scheme: "standard" };
    const resolved = resolveSignatureConfig(fields.signature);
    if ("problems" in resolved) {
      for (const [field, msg] of resolved.problems)
        issues.push({ loc: ["body", "signature", field], msg, type: "value_error" });
    } else {
      signature = resolved.config;
    }
    const eventTypes = fields.eventTypes === null ? null : normaliseSet(fields.eventTypes);
    if (eventTypes !== null) {
      // An endpoint keeps filtering on a type archived since; only newly named types must be live (Svix).
      const added = eventTypes.filter((name) => !current?.eventTypes?.includes(name));
      const missing = await deps.eventTypes.unavailable(added);
      if (missing.length > 0)
        problem("eventTypes", `The following event types don't exist: ${missing.join(", ")}`);
    }
    if (issues.length > 0) throw new ValidationError(issues);

    if (fields.uid !== null && fields.uid !== current?.uid) {
      const holder = await store.getEndpoint(application.id, fields.uid);
      if (holder && holder.id !== current?.id) throw conflict("An endpoint with that uid already exists");
    }
    return {
      ...fields,
      url: "url" in url ? url.url : fields.url,
      eventTypes,
      channels: fields.channels === null ? null : normaliseSet(fields.channels),
      signature,
    };
  }

  async function get(application: Application, idOrUid: string): Promise<Endpoint> {
    const endpoint = await store.getEndpoint(application.id, idOrUid);
    if (!endpoint) throw notFound();
    return endpoint;
  }

  async function create(
    application: Application,
    fields: EndpointFields,
    extras: EndpointExtras,
  ): Promise<Endpoint> {
    const prepared = await prepare(application, fields, null);
    const headers = extras.headers ?? {};
    const issues = headerIssues(headers, "headers");
    let key = generateSecret();
    if (extras.secret !== null) {
      const parsed = parseSecret(extras.secret, prepared.signature.scheme);
      if ("problem" in parsed)
        issues.push({ loc: ["body", "secret"], msg: parsed.problem, type: "value_error" });
      else key = parsed.key;
    }
    if (issues.length > 0) throw new ValidationError(issues);
    const now = ctx.now();
    const endpoint: Endpoint = {
      id: newId("endpoint", now),
      appId: application.id,
      ...prepared,
      headers,
      createdAt: now,
      updatedAt: now,
    };
    await store.createEndpoint(endpoint, { key, createdAt: now, expiresAt: null });
    return endpoint;
  }

  async function write(
    application: Application,
    current: Endpoint,
    fields: EndpointFields,
    headers: CustomHeaders | undefined,
  ): Promise<Endpoint> {
    const prepared = await prepare(application, fields, current);
    if (headers !== undefined) {
      const issues = headerIssues(headers, "headers");
      if (issues.length > 0) throw new ValidationError(issues);
    }
    const now = ctx.now();
    if (prepared.signature.scheme !== current.signature.scheme && prepared.signature.scheme !== "none") {
      // An hmac endpoint's pasted secret is no Standard Webhooks key (and vice versa): start the new scheme with a
      // fresh key at once, since the old one could not sign under it anyway.
      const [secret] = await store.getEndpointSecrets(current.id, now);
      if (!secret || !secretFitsScheme(secret.key, prepared.signature.scheme)) {
        await store.rotateEndpointSecret(
          current.id,
          { key: generateSecret(), createdAt: now, expiresAt: null },
          now,
          now,
        );
      }
    }
    const updated: Endpoint = {
      ...current,
      ...prepared,
      headers: headers ?? current.headers,
      updatedAt: now,
    };
    await store.updateEndpoint(updated);
    return updated;
  }

  async function updateHeaders(endpoint: Endpoint, headers: CustomHeaders): Promise<void> {
    const issues = headerIssues(headers, "headers");
    if (issues.length > 0) throw new ValidationError(issues);
    await store.updateEndpoint({ ...endpoint, headers, updatedAt: ctx.now() });
  }

  const fieldsOf = (endpoint: Endpoint): EndpointFields => ({
    url: endpoint.url,
    name: endpoint.name,
    description: endpoint.description,
    uid: endpoint.uid,
    disabled: endpoint.disabled,
    eventTypes: endpoint.eventTypes,
    channels: endpoint.channels,
    throttleRate: endpoint.throttleRate,
    metadata: endpoint.metadata,
    version: endpoint.version,
    payloadFormat: endpoint.payloadFormat,
    signature: endpoint.signature,
    retrySchedule: endpoint.retrySchedule,
    timeoutSeconds: endpoint.timeoutSeconds,
  });

  return {
    create,
    get,
    list: (application, page) => store.listEndpoints(application.id, page),

    async upsert(application, idOrUid, fields, extras) {
      const current = await store.getEndpoint(application.id, idOrUid);
      if (current)
        return { endpoint: await write(application, current, fields, extras.headers), created: false };
      // As for applications: PUT …/endpoint/{uid} with no uid in the body creates the endpoint under that uid.
      const pathUid = !idOrUid.startsWith("ep_") && UID_PATTERN.test(idOrUid) ? idOrUid : null;
      const endpoint = await create(application, { ...fields, uid: fields.uid ?? pathUid }, extras);
      return { endpoint, created: true };
    },

    async patch(application, idOrUid, changes) {
      const current = await get(application, idOrUid);
      const next = fieldsOf(current);
      for (const key of Object.keys(next) as (keyof EndpointFields)[]) {
        const value = changes[key];
        if (value !== undefined) (next as Record<keyof EndpointFields, unknown>)[key] = value;
      }
      return write(application, current, next, changes.headers);
    },

    async delete(application, idOrUid) {
      const endpoint = await get(application, idOrUid);
      await store.deleteEndpoint(application.id, endpoint.id, ctx.now());
    },

    async getSecret(application, idOrUid) {
      const endpoint = await get(application, idOrUid);
      const [current] = await store.getEndpointSecrets(endpoint.id, ctx.now());
      if (!current) throw new HeraldError("not_found", "The endpoint has no secret");
      return displayedSecret(current.key);
    },

    async rotateSecret(application, idOrUid, requestedKey, gracePeriodSeconds) {
      const endpoint = await get(application, idOrUid);
      let key = generateSecret();
      if (requestedKey !== null) {
        const parsed = parseSecret(requestedKey, endpoint.signature.scheme);
        if ("problem" in parsed) throw ValidationError.field(["body", "key"], parsed.problem);
        key = parsed.key;
      }
      const now = ctx.now();
      const graceMs = (gracePeriodSeconds ?? DEFAULT_ROTATION_GRACE_SECONDS) * 1000;
      await store.rotateEndpointSecret(
        endpoint.id,
        { key, createdAt: now, expiresAt: null },
        now + graceMs,
        now,
      );
    },

    async getHeaders(application, idOrUid) {
      return splitSensitiveHeaders((await get(application, idOrUid)).headers);
    },

    async setHeaders(application, idOrUid, headers) {
      await updateHeaders(await get(application, idOrUid), headers);
    },

    async patchHeaders(application, idOrUid, changes, remove) {
      const endpoint = await get(application, idOrUid);
      await updateHeaders(endpoint, mergeHeaders(endpoint.headers, changes, remove));
    },

    async recover(application, idOrUid, since, until) {
      return recovery.start(application, await get(application, idOrUid), since, until);
    },

    async stats(application, idOrUid, requestedSince, requestedUntil) {
      const endpoint = await get(application, idOrUid);
      const now = ctx.now();
      const until = requestedUntil ?? now;
      if (until > now) throw new HeraldError("invalid_range", "'until' cannot be in the future");
      const since = requestedSince ?? until - 28 * DAY_MS;
      if (since > until) throw new HeraldError("invalid_range", "'since' must not be after 'until'");
      if (until - since > MAX_STATS_SPAN_MS) {
        throw new HeraldError("invalid_range", "'since' cannot be more than 28 days prior to 'until'");
      }
      return store.countEndpointAttempts(endpoint.id, since, until);
    },

    whenIdle: () => recovery.whenIdle(),
  };
}
