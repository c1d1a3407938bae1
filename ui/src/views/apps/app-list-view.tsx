/**
 * The dashboard's home: every application (one per tenant of the operator's platform), searchable, with a way to
 * create one and to hand a tenant a link to their portal.
 *
 * Search runs in the browser over the newest MAX_LISTED applications (one `listAll`, a few pages of 250): instant
 * for the few hundred applications a self-hosted Herald typically serves. Beyond that the list says so, and an
 * id or uid that is not among them can still be opened directly.
 */
import { useMemo, useState, type ReactNode } from "react";
import type { ApplicationOut } from "../../api/types";
import {
  Alert,
  Button,
  CodeBlock,
  CopyButton,
  EmptyState,
  ErrorState,
  Loading,
  PageHeader,
} from "../../components/ui";
import { formatCount, formatDateTime, formatRelative } from "../../lib/format";
import { Link, navigate, setQuery, useLocation, useTitle } from "../../lib/router";
import { useResource } from "../../lib/use-resource";
import { useScope } from "../../scope";
import { NewApplicationDialog } from "./new-application-dialog";
import { PortalLinkDialog } from "./portal-link-dialog";
import "./apps.css";

const MAX_LISTED = 1000;

const appPath = (app: Pick<ApplicationOut, "id">) => `/dashboard/apps/${encodeURIComponent(app.id)}`;

function matches(app: ApplicationOut, needle: string): boolean {
  return [app.name, app.uid ?? "", app.id].some((text) => text.toLowerCase().includes(needle));
}

export function AppListView() {
  useTitle("Applications");
  const { api } = useScope();
  const { query } = useLocation();
  const search = query.get("q") ?? "";
  const [creating, setCreating] = useState(false);
  const [portalFor, setPortalFor] = useState<ApplicationOut | null>(null);
  const apps = useResource("apps", () =>
    // Newest first, so the cap keeps the applications an operator most likely looks for.
    api.listAll<ApplicationOut>("/app", { order: "descending" }, MAX_LISTED),
  );

  const needle = search.trim().toLowerCase();
  const shown = useMemo(
    () => (apps.data ?? []).filter((app) => needle === "" || matches(app, needle)),
    [apps.data, needle],
  );

  const newButton = (
    <Button variant="primary" onClick={() => setCreating(true)}>
      New application
    </Button>
  );

  let body;
  if (apps.loading) body = <Loading label="Loading applications…" />;
  else if (apps.error || !apps.data) body = <ErrorState error={apps.error} onRetry={apps.reload} />;
  else if (apps.data.length === 0) body = <NoApplications action={newButton} />;
  else {
    body = (
      <section className="card" aria-label="Applications">
        <div className="card-header apps-toolbar">
          <div className="apps-search">
            <input
              type="search"
              aria-label="Search applications"
              placeholder="Search by name, uid or id"
              value={search}
              onChange={(event) => setQuery({ q: event.target.value })}
              autoComplete="off"
            />
          </div>
          <span className="muted" aria-live="polite">
            {needle === ""
              ? `${formatCount(apps.data.length)} application${apps.data.length === 1 ? "" : "s"}`
              : `${formatCount(shown.length)} of ${formatCount(apps.data.length)} match`}
          </span>
        </div>
        {apps.data.length >= MAX_LISTED ? (
          <div className="card-body">
            <Alert tone="info">
              Showing the newest {formatCount(MAX_LISTED)} applications; search covers only these. Enter an
              exact id or uid to open any other.
            </Alert>
          </div>
        ) : null}
        {shown.length === 0 ? (
          <EmptyState
            title={`No application matches “${search.trim()}”`}
            action={
              <div className="row apps-no-match">
                <Button onClick={() => setQuery({ q: null })}>Clear search</Button>
                <Link className="btn btn-ghost" href={appPath({ id: search.trim() })}>
                  Open “{search.trim()}” as an id or uid
                </Link>
              </div>
            }
          >
            Search looks at names, uids and ids.
          </EmptyState>
        ) : (
          <AppTable apps={shown} onPortal={setPortalFor} />
        )}
      </section>
    );
  }

  return (
    <>
      <PageHeader
        title="Applications"
        subtitle="One application per customer of your platform; each has its own endpoints and delivery logs."
        actions={apps.data && apps.data.length > 0 ? newButton : undefined}
      />
      {body}
      {creating ? (
        <NewApplicationDialog
          onClose={() => setCreating(false)}
          onCreated={(app) => {
            setCreating(false);
            apps.reload();
            navigate(appPath(app));
          }}
        />
      ) : null}
      {portalFor ? <PortalLinkDialog app={portalFor} onClose={() => setPortalFor(null)} /> : null}
    </>
  );
}

function AppTable({ apps, onPortal }: { apps: ApplicationOut[]; onPortal: (app: ApplicationOut) => void }) {
  return (
    <div className="table-wrap">
      <table className="apps-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">UID</th>
            <th scope="col" className="hide-narrow">
              ID
            </th>
            <th scope="col" className="hide-narrow">
              Created
            </th>
            <th scope="col" aria-label="Actions" />
          </tr>
        </thead>
        <tbody>
          {apps.map((app) => (
            <tr key={app.id}>
              <td className="truncate">
                <Link href={appPath(app)} className="apps-name">
                  {app.name}
                </Link>
              </td>
              <td className="truncate mono">{app.uid ?? <span className="muted">—</span>}</td>
              <td className="hide-narrow">
                <span className="apps-id">
                  <code>{app.id}</code>
                  <CopyButton text={app.id} label="Copy id" />
                </span>
              </td>
              <td className="hide-narrow" title={formatDateTime(app.createdAt)}>
                {formatRelative(app.createdAt)}
              </td>
              <td className="apps-actions">
                <Button
                  className="btn-small"
                  onClick={() => onPortal(app)}
                  aria-label={`Tenant portal for ${app.name}`}
                >
                  Tenant portal
                </Button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The empty dashboard: what an application is and the two ways to create one (here, or from the backend). */
function NoApplications({ action }: { action: ReactNode }) {
  const origin = window.location.origin;
  const curl = [
    `curl -X POST ${origin}/api/v1/app \\`,
    `  -H "Authorization: Bearer $HERALD_ADMIN_TOKEN" \\`,
    `  -H "Content-Type: application/json" \\`,
    `  -d '{"name": "Acme Inc.", "uid": "acme"}'`,
  ].join("\n");
  const sdk = [
    `import { Svix } from "svix";`,
    ``,
    `const herald = new Svix(process.env.HERALD_ADMIN_TOKEN, { serverUrl: "${origin}" });`,
    `await herald.application.create({ name: "Acme Inc.", uid: "acme" });`,
  ].join("\n");
  return (
    <section className="card">
      <EmptyState title="No applications yet" action={action}>
        An application holds one customer’s endpoints and messages. Create one here, or from your backend when
        a customer signs up — the uid lets you address it by your own customer id.
      </EmptyState>
      <div className="card-body apps-hints">
        <CodeBlock label="With curl" text={curl} />
        <CodeBlock label="With the Svix SDK (Node.js)" text={sdk} />
      </div>
    </section>
  );
}
