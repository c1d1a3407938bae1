import { hash, timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { HeraldError } from "../domain/errors.js";
import type { ApplicationId } from "../domain/ids.js";
import type { PortalGrant } from "../domain/portal-tokens.js";

/**
 * Who is calling: the operator (admin token) or one tenant (an application-scoped portal token, which may be
 * read-only).
 */
export type Principal = { kind: "admin" } | { kind: "application"; appId: ApplicationId; readOnly: boolean };

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** Resolves a bearer token to a principal; null for an unknown token. */
export interface Authenticator {
  authenticate(token: string): Promise<Principal | null>;
}

/** One-shot: every request hashes its token, and a Hash object per call measured about twice the cost. */
const digest = (value: string): Buffer => hash("sha256", value, "buffer");

/** Compares against the admin token in constant time (hashing first makes the lengths equal). */
export function adminTokenAuthenticator(adminToken: string): Authenticator {
  const expected = digest(adminToken);
  return {
    authenticate: (token) =>
      Promise.resolve(timingSafeEqual(digest(token), expected) ? { kind: "admin" } : null),
  };
}

/** Accepts the portal tokens `tokens` verifies (see services/portal-access.ts) as their application. */
export function portalTokenAuthenticator(tokens: {
  verify(token: string): Promise<PortalGrant | null>;
}): Authenticator {
  return {
    async authenticate(token) {
      const grant = await tokens.verify(token);
      return grant && { kind: "application", appId: grant.appId, readOnly: grant.readOnly };
    },
  };
}

/** Tries each authenticator in turn. */
export function firstMatch(authenticators: readonly Authenticator[]): Authenticator {
  return {
    async authenticate(token) {
      for (const authenticator of authenticators) {
        const principal = await authenticator.authenticate(token);
        if (principal) return principal;
      }
      return null;
    },
  };
}

export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== "string") return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new HeraldError("authentication_failed");
  return request.principal;
}

/**
 * The admin token only, for a handler whose answer depends on more than its route. Routes declare who may call
 * them in their config instead (`access`, enforced before the handler runs: see access.ts).
 */
export function requireAdmin(request: FastifyRequest): void {
  if (principalOf(request).kind !== "admin") throw new HeraldError("insufficient access");
}

/**
 * Checks that the caller may address `appId` (an application's real id). An application-scoped token that
 * addresses another application gets 403, whether that application exists or not (see app-scope.ts), so the
 * answer tells a tenant nothing about other tenants.
 */
export function assertAppAccess(request: FastifyRequest, appId: ApplicationId): void {
  const principal = principalOf(request);
  if (principal.kind === "application" && principal.appId !== appId) {
    throw new HeraldError("insufficient access");
  }
}
