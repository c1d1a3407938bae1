/**
 * What every view needs to know about where it runs: the API client, dashboard or portal, read-only or not, and,
 * inside an application, the application and how to link within it (the same views serve both modes).
 */
import { createContext, useContext } from "react";
import type { ApiClient } from "./api/client";
import type { ApplicationOut } from "./api/types";

export type UiMode = "dashboard" | "portal";

export interface Scope {
  mode: UiMode;
  api: ApiClient;
  /** A read-only portal token: views hide every action that writes. */
  readOnly: boolean;
  /** "/dashboard" or "/portal". */
  base: string;
  signOut(): void;
}

export interface AppScope extends Scope {
  app: ApplicationOut;
  /** A link inside the application: `appPath("endpoints/new")`. */
  appPath(sub?: string): string;
  /** Where the event catalog lives (global in the dashboard, per portal in the portal). */
  catalogPath: string;
}

export const ScopeContext = createContext<Scope | null>(null);
export const AppScopeContext = createContext<AppScope | null>(null);

export function useScope(): Scope {
  const scope = useContext(ScopeContext);
  if (!scope) throw new Error("useScope outside a ScopeContext");
  return scope;
}

export function useAppScope(): AppScope {
  const scope = useContext(AppScopeContext);
  if (!scope) throw new Error("useAppScope outside an application");
  return scope;
}
