import { Type, type Static } from "@sinclair/typebox";
import { ApplicationIn } from "./applications.js";
import { Nullable } from "./common.js";

/**
 * Svix's `AppPortalAccessIn` (also the optional body of the deprecated `dashboard-access`). Herald honours
 * `expiry`, `readOnly`, `sessionId` (kept in the token as `sid`) and `application`; `featureFlags` and
 * `capabilities` are accepted and not enforced. Unlike Svix (1 hour to 7 days), any expiry from one second to a
 * year is accepted.
 */
export const AppPortalAccessIn = Type.Object({
  /** Seconds until the token expires (Svix: default 7 days). */
  expiry: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 365 * 24 * 3600 }))),
  /** A read-only portal can see everything but change nothing (writes get 403). */
  readOnly: Type.Optional(Nullable(Type.Boolean())),
  featureFlags: Type.Optional(Type.Array(Type.String({ maxLength: 256 }), { maxItems: 100 })),
  sessionId: Type.Optional(Nullable(Type.String({ maxLength: 256 }))),
  /** Svix: creates the application when it does not exist yet (addressed by the path's uid). */
  application: Type.Optional(Nullable(ApplicationIn)),
});
export type AppPortalAccessIn = Static<typeof AppPortalAccessIn>;

/** Svix's `AppPortalAccessOut`: `url` opens the portal for the one application with no other sign-in. */
export interface AppPortalAccessOut {
  url: string;
  token: string;
}

/** The claims of a portal token (a JWT, HS256), as the UI reads them (it does not verify them; the API does). */
export interface PortalTokenClaims {
  /** "herald". */
  iss: string;
  /** "herald-portal". */
  aud: string;
  /** The application's id. */
  sub: string;
  /** Seconds since the epoch. */
  exp: number;
  iat: number;
  /** The token's own random id. */
  jti: string;
  /** True for a read-only portal (absent otherwise). */
  ro?: boolean;
  /** The `sessionId` the token was issued with, if any. */
  sid?: string;
}
