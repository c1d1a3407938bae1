/**
 * The event catalog: every event type, grouped by `groupName`, each with its sample payload one click away.
 * In the dashboard the operator creates, edits, archives and unarchives event types; the portal shows the same
 * catalog read-only (catalog writes need the admin token), so a tenant can see what they may subscribe to.
 *
 * The whole catalog is loaded with its schemas (`with_content`): catalogs hold tens to a few hundred types, and
 * the schemas are needed for the example counts and the edit form.
 */
import { useMemo, useState } from "react";
import { seg } from "../../api/client";
import type { EventTypeOut } from "../../api/types";
import {
  Badge,
  Button,
  ConfirmDialog,
  EmptyState,
  ErrorState,
  Loading,
  PageHeader,
  useToast,
} from "../../components/ui";
import { formatCount } from "../../lib/format";
import { setQuery, useLocation, useTitle } from "../../lib/router";
import { useResource } from "../../lib/use-resource";
import { useScope } from "../../scope";
import { exampleCount } from "./catalog-schema";
import { EventTypeDialog } from "./event-type-dialog";
import { SampleDialog } from "./sample-dialog";
import "./catalog.css";

interface Group {
  /** null: event types without a group. */
  name: string | null;
  eventTypes: EventTypeOut[];
}

function groupByName(eventTypes: EventTypeOut[]): Group[] {
  const groups = new Map<string | null, EventTypeOut[]>();
  for (const eventType of eventTypes) {
    const list = groups.get(eventType.groupName) ?? [];
    list.push(eventType);
    groups.set(eventType.groupName, list);
  }
  return [...groups.entries()]
    .map(([name, list]) => ({ name, eventTypes: list.sort((a, b) => a.name.localeCompare(b.name)) }))
    .sort((a, b) => (a.name === null ? 1 : b.name === null ? -1 : a.name.localeCompare(b.name)));
}

const groupHeadingId = (group: Group): string =>
  group.name === null ? "catalog-ungrouped" : `catalog-group-${group.name}`;

function matches(eventType: EventTypeOut, needle: string): boolean {
  return [eventType.name, eventType.description, eventType.groupName ?? ""].some((text) =>
    text.toLowerCase().includes(needle),
  );
}

type Dialog =
  | { kind: "create" }
  | { kind: "edit"; eventType: EventTypeOut }
  | { kind: "sample"; eventType: EventTypeOut }
  | { kind: "archive"; eventType: EventTypeOut };

export function CatalogView() {
  useTitle("Event catalog");
  const { api, mode } = useScope();
  const toast = useToast();
  const { query } = useLocation();
  // Catalog writes are admin-only, so the portal (even with a writable token) only browses.
  const canEdit = mode === "dashboard";
  const search = query.get("q") ?? "";
  const includeArchived = canEdit && query.get("archived") === "1";
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [unarchiving, setUnarchiving] = useState<string | null>(null);
  const catalog = useResource(`catalog:${includeArchived}`, () =>
    api.listAll<EventTypeOut>("/event-type", { with_content: true, include_archived: includeArchived }),
  );

  const needle = search.trim().toLowerCase();
  const groups = useMemo(
    () =>
      groupByName((catalog.data ?? []).filter((eventType) => needle === "" || matches(eventType, needle))),
    [catalog.data, needle],
  );
  const groupNames = useMemo(
    () => [...new Set((catalog.data ?? []).flatMap((t) => (t.groupName ? [t.groupName] : [])))].sort(),
    [catalog.data],
  );
  const shownCount = groups.reduce((sum, group) => sum + group.eventTypes.length, 0);

  const unarchive = async (eventType: EventTypeOut) => {
    setUnarchiving(eventType.name);
    try {
      await api.patch<EventTypeOut>(`/event-type/${seg(eventType.name)}`, { archived: false });
      toast(`${eventType.name} unarchived`);
      catalog.reload();
    } catch (error) {
      toast(
        `Could not unarchive ${eventType.name}: ${error instanceof Error ? error.message : String(error)}`,
        "danger",
      );
    } finally {
      setUnarchiving(null);
    }
  };

  const newButton = canEdit ? (
    <Button variant="primary" onClick={() => setDialog({ kind: "create" })}>
      New event type
    </Button>
  ) : undefined;

  let body;
  if (catalog.loading) body = <Loading label="Loading the event catalog…" />;
  else if (catalog.error || !catalog.data)
    body = <ErrorState error={catalog.error} onRetry={catalog.reload} />;
  else if (catalog.data.length === 0 && needle === "") {
    body = (
      <section className="card">
        {canEdit ? (
          <EmptyState title={includeArchived ? "No event types" : "No event types yet"} action={newButton}>
            Event types name what your platform sends (invoice.paid, user.created). Endpoints subscribe to
            them, and your customers browse them in their portal.
          </EmptyState>
        ) : (
          <EmptyState title="No event types yet">
            This service has not published its event catalog yet.
          </EmptyState>
        )}
      </section>
    );
  } else if (groups.length === 0) {
    body = (
      <section className="card">
        <EmptyState
          title={`No event type matches “${search.trim()}”`}
          action={<Button onClick={() => setQuery({ q: null })}>Clear search</Button>}
        >
          Search looks at names, descriptions and groups.
        </EmptyState>
      </section>
    );
  } else {
    body = groups.map((group) => (
      <section className="card catalog-group" key={group.name ?? ""} aria-labelledby={groupHeadingId(group)}>
        <header className="card-header">
          <h2 id={groupHeadingId(group)}>{group.name ?? "Other events"}</h2>
          <span className="muted">{formatCount(group.eventTypes.length)}</span>
        </header>
        <ul className="catalog-list">
          {group.eventTypes.map((eventType) => (
            <CatalogItem
              key={eventType.name}
              eventType={eventType}
              canEdit={canEdit}
              unarchiving={unarchiving === eventType.name}
              onSample={() => setDialog({ kind: "sample", eventType })}
              onEdit={() => setDialog({ kind: "edit", eventType })}
              onArchive={() => setDialog({ kind: "archive", eventType })}
              onUnarchive={() => void unarchive(eventType)}
            />
          ))}
        </ul>
      </section>
    ));
  }

  const total = catalog.data?.length ?? 0;
  return (
    <>
      <PageHeader
        title="Event catalog"
        subtitle={
          canEdit
            ? "The events your platform sends. Endpoints subscribe to them; customers see them in their portal."
            : "The events this service can send to your endpoints, with a sample payload of each."
        }
        actions={newButton}
      />
      {catalog.data && (canEdit || total > 0) ? (
        <div className="catalog-toolbar">
          <input
            type="search"
            className="catalog-search"
            aria-label="Search event types"
            placeholder="Search by name, description or group"
            value={search}
            onChange={(event) => setQuery({ q: event.target.value })}
            autoComplete="off"
          />
          {canEdit ? (
            <label className="checkbox">
              <input
                type="checkbox"
                checked={includeArchived}
                onChange={(event) => setQuery({ archived: event.target.checked ? "1" : null })}
              />
              Show archived
            </label>
          ) : null}
          <span className="muted" aria-live="polite">
            {needle === ""
              ? `${formatCount(total)} event type${total === 1 ? "" : "s"}`
              : `${formatCount(shownCount)} of ${formatCount(total)} match`}
          </span>
        </div>
      ) : null}
      {body}
      {dialog?.kind === "sample" ? (
        <SampleDialog eventType={dialog.eventType} onClose={() => setDialog(null)} />
      ) : null}
      {dialog?.kind === "create" || dialog?.kind === "edit" ? (
        <EventTypeDialog
          eventType={dialog.kind === "edit" ? dialog.eventType : null}
          groups={groupNames}
          onClose={() => setDialog(null)}
          onSaved={() => {
            setDialog(null);
            catalog.reload();
          }}
        />
      ) : null}
      {dialog?.kind === "archive" ? (
        <ConfirmDialog
          title={`Archive ${dialog.eventType.name}?`}
          confirmLabel="Archive"
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await api.delete(`/event-type/${seg(dialog.eventType.name)}`);
            toast(`${dialog.eventType.name} archived`);
            catalog.reload();
          }}
        >
          <p className="catalog-confirm">
            Archived event types leave the catalog and the portal, and endpoints can no longer subscribe to
            them. Endpoints already subscribed keep receiving them, and messages of this type are still
            accepted. You can unarchive it at any time (“Show archived”).
          </p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

function CatalogItem({
  eventType,
  canEdit,
  unarchiving,
  onSample,
  onEdit,
  onArchive,
  onUnarchive,
}: {
  eventType: EventTypeOut;
  canEdit: boolean;
  unarchiving: boolean;
  onSample: () => void;
  onEdit: () => void;
  onArchive: () => void;
  onUnarchive: () => void;
}) {
  const examples = exampleCount(eventType.schemas);
  const hasSchema = eventType.schemas !== null && Object.keys(eventType.schemas).length > 0;
  return (
    <li
      className={`catalog-item${eventType.archived ? " catalog-item-archived" : ""}`}
      aria-label={eventType.name}
    >
      <div className="catalog-item-main">
        <div className="catalog-item-title">
          <code className="catalog-name">{eventType.name}</code>
          <span className="badges">
            {eventType.deprecated ? (
              <Badge tone="warning" title="Still sent; receivers should move off it">
                Deprecated
              </Badge>
            ) : null}
            {eventType.archived ? <Badge>Archived</Badge> : null}
          </span>
        </div>
        {eventType.description ? (
          <p className="catalog-description-text">{eventType.description}</p>
        ) : (
          <p className="catalog-description-text muted">No description.</p>
        )}
        {canEdit ? (
          <p className="catalog-meta muted">
            {hasSchema ? "JSON Schema" : "No schema"}
            {examples > 0 ? ` · ${examples} example${examples === 1 ? "" : "s"}` : ""}
          </p>
        ) : null}
      </div>
      <div className="catalog-item-actions">
        <Button className="btn-small" onClick={onSample} aria-label={`Sample payload of ${eventType.name}`}>
          Sample
        </Button>
        {canEdit ? (
          <>
            <Button className="btn-small" onClick={onEdit} aria-label={`Edit ${eventType.name}`}>
              Edit
            </Button>
            {eventType.archived ? (
              <Button
                className="btn-small"
                onClick={onUnarchive}
                busy={unarchiving}
                aria-label={`Unarchive ${eventType.name}`}
              >
                Unarchive
              </Button>
            ) : (
              <Button
                className="btn-small"
                variant="danger"
                onClick={onArchive}
                aria-label={`Archive ${eventType.name}`}
              >
                Archive
              </Button>
            )}
          </>
        ) : null}
      </div>
    </li>
  );
}
