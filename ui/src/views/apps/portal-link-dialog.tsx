/**
 * A link to one application's tenant portal (`POST /auth/app-portal-access/{app}`), for an operator who wants to
 * look at what a customer sees or send a customer their link by hand. Platforms normally create a fresh link
 * from their backend each time a customer opens their "Webhooks" page.
 */
import { useEffect, useState } from "react";
import { seg } from "../../api/client";
import type { AppPortalAccessOut, ApplicationOut } from "../../api/types";
import { Alert, Button, CopyButton, errorMessage, Field, Loading, Modal } from "../../components/ui";
import { formatDateTime } from "../../lib/format";
import { useScope } from "../../scope";

const LIFETIMES = [
  { seconds: 3600, label: "1 hour" },
  { seconds: 24 * 3600, label: "1 day" },
  { seconds: 7 * 24 * 3600, label: "7 days" },
  { seconds: 30 * 24 * 3600, label: "30 days" },
] as const;
/** Svix's (and Herald's) default lifetime of a portal link. */
const DEFAULT_LIFETIME = 7 * 24 * 3600;

type LinkState =
  | { status: "loading" }
  | { status: "ready"; link: AppPortalAccessOut; expiresAt: string }
  | { status: "failed"; error: unknown };

export function PortalLinkDialog({ app, onClose }: { app: ApplicationOut; onClose: () => void }) {
  const { api } = useScope();
  const [lifetime, setLifetime] = useState(DEFAULT_LIFETIME);
  const [readOnly, setReadOnly] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const [state, setState] = useState<LinkState>({ status: "loading" });

  // A new link whenever the options change: links are stateless tokens, so an unused one costs nothing.
  useEffect(() => {
    let current = true;
    setState({ status: "loading" });
    const requestedAt = Date.now();
    api
      .post<AppPortalAccessOut>(`/auth/app-portal-access/${seg(app.id)}`, { expiry: lifetime, readOnly })
      .then(
        (link) => {
          if (current) {
            const expiresAt = new Date(requestedAt + lifetime * 1000).toISOString();
            setState({ status: "ready", link, expiresAt });
          }
        },
        (error: unknown) => {
          if (current) setState({ status: "failed", error });
        },
      );
    return () => {
      current = false;
    };
  }, [api, app.id, lifetime, readOnly, attempt]);

  return (
    <Modal
      title={`Tenant portal: ${app.name}`}
      onClose={onClose}
      footer={<Button onClick={onClose}>Done</Button>}
    >
      <p className="muted portal-link-intro">
        The portal shows this application’s endpoints, delivery logs, health and the event catalog — nothing
        of any other application. Whoever holds the link is signed in, so share it only with this customer.
      </p>
      <div className="portal-link-options">
        <Field label="Expires after">
          <select value={lifetime} onChange={(event) => setLifetime(Number(event.target.value))}>
            {LIFETIMES.map((option) => (
              <option key={option.seconds} value={option.seconds}>
                {option.label}
                {option.seconds === DEFAULT_LIFETIME ? " (default)" : ""}
              </option>
            ))}
          </select>
        </Field>
        <label className="checkbox">
          <input type="checkbox" checked={readOnly} onChange={(event) => setReadOnly(event.target.checked)} />
          Read-only (can look, cannot change endpoints)
        </label>
      </div>
      {state.status === "loading" ? <Loading label="Creating a portal link…" /> : null}
      {state.status === "failed" ? (
        <Alert>
          <span className="row">
            Could not create a portal link: {errorMessage(state.error)}
            <Button className="btn-small" onClick={() => setAttempt((value) => value + 1)}>
              Try again
            </Button>
          </span>
        </Alert>
      ) : null}
      {state.status === "ready" ? (
        <div className="portal-link">
          <Field
            label="Portal link"
            hint={
              <>
                Valid until {formatDateTime(state.expiresAt)}. After that it shows “This link has expired”;
                create a new one here or with{" "}
                <code>POST /api/v1/auth/app-portal-access/{app.uid ?? app.id}</code>.
              </>
            }
          >
            <input type="text" readOnly value={state.link.url} onFocus={(event) => event.target.select()} />
          </Field>
          <div className="row">
            <CopyButton text={state.link.url} label="Copy link" />
            <a className="btn btn-primary" href={state.link.url} target="_blank" rel="noopener noreferrer">
              Open portal
            </a>
          </div>
        </div>
      ) : null}
    </Modal>
  );
}
