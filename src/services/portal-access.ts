/**
 * Portal access (DESIGN §6): issues app-scoped portal tokens for the operator's backend, and verifies them on
 * every request the tenant's portal makes.
 *
 * Verification runs per request, so verified tokens are remembered for a short while: a portal page load
 * sends the same token a few dozen times, and a map lookup costs ~1 µs where a signature check costs ~70 µs.
 * Nothing can revoke a token before its `exp` yet (Herald has no revocation table), so the cache changes no
 * answer; a revocation list will have to clear it.
 */
import { portalTokenSigner, type PortalGrant } from "../domain/portal-tokens.js";
import type { Application } from "../domain/types.js";
import { TtlCache } from "../lib/ttl-cache.js";
import type { ApplicationFields, ApplicationService } from "./applications.js";
import type { ServiceContext } from "./context.js";

/** Svix's default lifetime of a portal token. */
export const DEFAULT_PORTAL_TOKEN_SECONDS = 7 * 24 * 3600;

const VERIFIED_CACHE_TTL_MS = 60_000;
const VERIFIED_CACHE_MAX_ENTRIES = 10_000;

export interface PortalAccessRequest {
  /** Null: the default, 7 days. */
  lifetimeSeconds: number | null;
  readOnly: boolean;
  sessionId: string | null;
  /** Creates the application when `{app_id}` names none (Svix's `AppPortalAccessIn.application`). */
  application: ApplicationFields | null;
}

export interface PortalAccessService {
  /** A token for the application `appIdOrUid` (created from `request.application` when it names none). */
  issue(
    appIdOrUid: string,
    request: PortalAccessRequest,
  ): Promise<{ application: Application; token: string; grant: PortalGrant }>;
  /** What a token grants, or null when it is not a valid, unexpired portal token of this Herald. */
  verify(token: string): Promise<PortalGrant | null>;
}

export interface PortalAccessOptions {
  /** The HMAC key (see `derivePortalTokenKey`). */
  portalTokenKey: Uint8Array;
}

export function createPortalAccessService(
  ctx: ServiceContext,
  options: PortalAccessOptions,
  deps: { applications: ApplicationService },
): PortalAccessService {
  const signer = portalTokenSigner(options.portalTokenKey);
  const verified = new TtlCache<string, PortalGrant>(
    VERIFIED_CACHE_TTL_MS,
    VERIFIED_CACHE_MAX_ENTRIES,
    ctx.now,
  );

  return {
    async issue(appIdOrUid, request) {
      const application = await deps.applications.findOrCreateInline(appIdOrUid, request.application);
      const { token, grant } = await signer.sign(
        {
          appId: application.id,
          readOnly: request.readOnly,
          lifetimeSeconds: request.lifetimeSeconds ?? DEFAULT_PORTAL_TOKEN_SECONDS,
          sessionId: request.sessionId,
        },
        ctx.now(),
      );
      return { application, token, grant };
    },

    async verify(token) {
      const now = ctx.now();
      const cached = verified.get(token);
      if (cached) {
        if (cached.expiresAt > now) return cached;
        verified.delete(token);
        return null;
      }
      const grant = await signer.verify(token, now);
      if (grant) verified.set(token, grant);
      return grant;
    },
  };
}
