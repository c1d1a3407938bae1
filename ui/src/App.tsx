/**
 * The two entry points of one app: the operator dashboard (`/dashboard`, admin token) and the tenant portal
 * (`/portal`, an app-scoped token from `app-portal-access`). Both render the same application views; the portal
 * sees only its own application.
 */
import { useMemo, useState, type FormEvent, type ReactNode } from "react";
import { ApiClient, ApiError, seg } from "./api/client";
import type { ApplicationOut, PortalTokenClaims } from "./api/types";
import { Alert, Button, EmptyState, ErrorState, Field, Loading, Tabs, ToastProvider } from "./components/ui";
import { Link, match, navigate, useLocation, useTitle } from "./lib/router";
import { adminSession, portalSession, takeTokenFromFragment } from "./lib/session";
import { applyTheme, readSettings, type UiSettings } from "./lib/theme";
import { useResource } from "./lib/use-resource";
import { AppScopeContext, ScopeContext, useScope, type AppScope, type Scope, type UiMode } from "./scope";
import { AppListView } from "./views/apps";
import { CatalogView } from "./views/catalog";
import { EndpointDetailView, EndpointFormView, EndpointsView } from "./views/endpoints";
import { HealthView } from "./views/health";
import { DeliveryLogView } from "./views/logs";

export function App() {
  const { path } = useLocation();
  const mode: UiMode = path === "/portal" || path.startsWith("/portal/") ? "portal" : "dashboard";
  const settings = useMemo(() => {
    const read = readSettings(mode === "portal");
    applyTheme(read);
    return read;
  }, [mode]);
  return (
    <ToastProvider>
      {mode === "portal" ? <Portal settings={settings} /> : <Dashboard settings={settings} />}
    </ToastProvider>
  );
}

function Brand({ settings, name }: { settings: UiSettings; name: string }) {
  return (
    <span className="brand">
      {settings.logoUrl ? (
        <img src={settings.logoUrl} alt="" className="brand-logo" />
      ) : (
        <span className="brand-mark" aria-hidden="true" />
      )}
      <span className="brand-name">{name}</span>
    </span>
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Dashboard

function Dashboard({ settings }: { settings: UiSettings }) {
  const [token, setToken] = useState<string | null>(() => adminSession.get());
  const [notice, setNotice] = useState<string | null>(null);
  const scope = useMemo<Scope | null>(() => {
    if (token === null) return null;
    const signOut = () => {
      adminSession.clear();
      setToken(null);
    };
    const api = new ApiClient(token, () => {
      setNotice("Your session ended: the admin token was not accepted. Sign in again.");
      signOut();
    });
    return { mode: "dashboard", api, readOnly: false, base: "/dashboard", signOut };
  }, [token]);

  if (!scope) {
    return (
      <SignIn
        settings={settings}
        notice={notice}
        onSignedIn={(accepted) => {
          adminSession.set(accepted);
          setNotice(null);
          setToken(accepted);
        }}
      />
    );
  }
  return (
    <ScopeContext.Provider value={scope}>
      <div className="layout">
        <header className="topbar">
          <Link href="/dashboard" className="topbar-home">
            <Brand settings={settings} name="Herald" />
          </Link>
          <DashboardNav />
          <Button variant="ghost" onClick={scope.signOut}>
            Sign out
          </Button>
        </header>
        <main className="content" id="main">
          <DashboardRoutes />
        </main>
      </div>
    </ScopeContext.Provider>
  );
}

function DashboardNav() {
  const { path } = useLocation();
  const catalog = path.startsWith("/dashboard/catalog");
  return (
    <nav className="topnav" aria-label="Main">
      <Link
        href="/dashboard"
        className={!catalog ? "active" : undefined}
        aria-current={!catalog ? "page" : undefined}
      >
        Applications
      </Link>
      <Link
        href="/dashboard/catalog"
        className={catalog ? "active" : undefined}
        aria-current={catalog ? "page" : undefined}
      >
        Event catalog
      </Link>
    </nav>
  );
}

function DashboardRoutes() {
  const { path } = useLocation();
  if (path === "/dashboard") return <AppListView />;
  if (path === "/dashboard/catalog") return <CatalogView />;
  const app = /^\/dashboard\/apps\/([^/]+)(?:\/(.*))?$/.exec(path);
  if (app?.[1]) return <ApplicationPage appId={decodeURIComponent(app[1])} rest={app[2] ?? ""} />;
  return <NotFound />;
}

function SignIn({
  settings,
  notice,
  onSignedIn,
}: {
  settings: UiSettings;
  notice: string | null;
  onSignedIn: (token: string) => void;
}) {
  useTitle("Sign in");
  const [value, setValue] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const token = value.trim();
    if (token === "") {
      setError("Enter the admin token.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      // Any admin-only read proves the token; the list is not used.
      await new ApiClient(token, () => undefined).get("/app", { limit: 1 });
      onSignedIn(token);
    } catch (caught) {
      setError(
        caught instanceof ApiError && (caught.status === 401 || caught.status === 403)
          ? "This token was not accepted. Use the admin token Herald printed on first start (or HERALD_ADMIN_TOKEN)."
          : caught instanceof Error
            ? caught.message
            : String(caught),
      );
      setBusy(false);
    }
  };
  return (
    <main className="signin">
      <form className="card signin-card" onSubmit={(event) => void submit(event)} noValidate>
        <Brand settings={settings} name="Herald" />
        <h1>Sign in to the dashboard</h1>
        {notice ? <Alert tone="warning">{notice}</Alert> : null}
        <Field
          label="Admin token"
          hint="Kept in this browser tab only (session storage) and sent as a bearer token to the API."
          error={error}
        >
          <input
            type="password"
            autoComplete="current-password"
            value={value}
            onChange={(event) => setValue(event.target.value)}
            autoFocus
          />
        </Field>
        <Button type="submit" variant="primary" busy={busy}>
          Sign in
        </Button>
      </form>
    </main>
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Portal

/** Reads a JWT's claims without verifying them (the API verifies every request); null when unreadable. */
type PortalGrant = Pick<PortalTokenClaims, "sub" | "exp" | "ro">;

function decodeClaims(token: string): PortalGrant | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const claims = JSON.parse(json) as Partial<PortalTokenClaims>;
    if (typeof claims.sub !== "string" || typeof claims.exp !== "number") return null;
    return { sub: claims.sub, exp: claims.exp, ro: claims.ro === true };
  } catch {
    return null;
  }
}

function Portal({ settings }: { settings: UiSettings }) {
  const [token, setToken] = useState<string | null>(() => {
    const fromUrl = takeTokenFromFragment();
    if (fromUrl) portalSession.set(fromUrl);
    return fromUrl ?? portalSession.get();
  });
  const claims = useMemo(() => (token === null ? null : decodeClaims(token)), [token]);
  const expired = claims !== null && claims.exp * 1000 <= Date.now();
  const scope = useMemo<Scope | null>(() => {
    if (token === null || claims === null) return null;
    const signOut = () => {
      portalSession.clear();
      setToken(null);
    };
    const api = new ApiClient(token, signOut);
    return { mode: "portal", api, readOnly: claims.ro === true, base: "/portal", signOut };
  }, [token, claims]);

  if (!scope || !claims || expired) {
    return (
      <main className="signin">
        <div className="card signin-card">
          <Brand settings={settings} name="Webhooks" />
          <h1>{expired ? "This link has expired" : "Sign-in link needed"}</h1>
          <p>
            Open the webhooks portal from the application that sent you here: it creates a fresh link each
            time. Links expire for your security.
          </p>
        </div>
      </main>
    );
  }
  return (
    <ScopeContext.Provider value={scope}>
      <PortalApplication appId={claims.sub} settings={settings} />
    </ScopeContext.Provider>
  );
}

function PortalApplication({ appId, settings }: { appId: string; settings: UiSettings }) {
  const { path } = useLocation();
  const rest = path.replace(/^\/portal\/?/, "");
  return (
    <div className="layout layout-portal">
      <header className="topbar">
        <Brand settings={settings} name="Webhooks" />
      </header>
      <main className="content" id="main">
        <ApplicationPage appId={appId} rest={rest} />
      </main>
    </div>
  );
}

// ---------------------------------------------------------------------------------------------------------------
// One application (both modes)

function ApplicationPage({ appId, rest }: { appId: string; rest: string }) {
  const scope = useScope();
  const application = useResource(`app:${appId}`, (signal) =>
    scope.api.get<ApplicationOut>(`/app/${seg(appId)}`, undefined, signal),
  );
  if (application.loading) return <Loading label="Loading application…" />;
  if (application.error || !application.data) {
    const notFound = application.error instanceof ApiError && application.error.status === 404;
    return notFound ? (
      <EmptyState
        title="Application not found"
        action={
          scope.mode === "dashboard" ? (
            <Button onClick={() => navigate("/dashboard")}>Back to applications</Button>
          ) : undefined
        }
      >
        It may have been deleted.
      </EmptyState>
    ) : (
      <ErrorState error={application.error} onRetry={application.reload} />
    );
  }
  return <ApplicationSections scope={scope} app={application.data} rest={rest} />;
}

function ApplicationSections({ scope, app, rest }: { scope: Scope; app: ApplicationOut; rest: string }) {
  const prefix = scope.mode === "dashboard" ? `/dashboard/apps/${seg(app.id)}` : "/portal";
  const appScope: AppScope = {
    ...scope,
    app,
    appPath: (sub = "") => (sub === "" ? prefix : `${prefix}/${sub}`),
    catalogPath: scope.mode === "dashboard" ? "/dashboard/catalog" : "/portal/catalog",
  };
  const section = rest.split("/")[0] || "endpoints";
  const tabs = [
    { key: "endpoints", label: "Endpoints" },
    { key: "logs", label: "Delivery logs" },
    { key: "health", label: "Health" },
    ...(scope.mode === "portal" ? [{ key: "catalog", label: "Event catalog" }] : []),
  ];
  return (
    <AppScopeContext.Provider value={appScope}>
      {scope.mode === "dashboard" ? (
        <nav className="breadcrumbs" aria-label="Breadcrumb">
          <Link href="/dashboard">Applications</Link>
          <span aria-hidden="true">/</span>
          <span aria-current="page">{app.name}</span>
        </nav>
      ) : null}
      <Tabs
        label="Application sections"
        tabs={tabs.map((tab) => ({
          href: appScope.appPath(tab.key),
          label: tab.label,
          active: section === tab.key,
        }))}
      />
      <SectionRoute rest={rest === "" ? "endpoints" : rest} />
    </AppScopeContext.Provider>
  );
}

function SectionRoute({ rest }: { rest: string }): ReactNode {
  const path = `/${rest}`;
  if (match("/endpoints", path)) return <EndpointsView />;
  if (match("/endpoints/new", path)) return <EndpointFormView endpointId={null} />;
  const edit = match("/endpoints/:endpointId/edit", path);
  if (edit?.endpointId) return <EndpointFormView endpointId={edit.endpointId} />;
  const detail = match("/endpoints/:endpointId", path);
  if (detail?.endpointId) return <EndpointDetailView endpointId={detail.endpointId} />;
  if (match("/logs", path)) return <DeliveryLogView />;
  if (match("/health", path)) return <HealthView />;
  if (match("/catalog", path)) return <CatalogView />;
  return <NotFound />;
}

function NotFound() {
  useTitle("Not found");
  return <EmptyState title="Page not found">There is nothing at this address.</EmptyState>;
}
