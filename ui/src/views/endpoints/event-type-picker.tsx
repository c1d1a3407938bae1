/**
 * Which events an endpoint receives: all of them (`eventTypes: null`, which includes types added to the catalog
 * later) or a chosen set, picked from the catalog grouped by `groupName`, with a filter once the list is long.
 */
import { useId, useMemo, useState } from "react";
import type { EventTypeOut } from "../../api/types";
import { Alert, Badge, Button, Loading, errorMessage } from "../../components/ui";
import { Link } from "../../lib/router";
import { useAppScope } from "../../scope";
import { useEventCatalog } from "./shared";

/** Above this many event types the picker offers a filter box. */
const FILTER_THRESHOLD = 8;
const UNGROUPED = "Other";
const NOT_IN_CATALOG = "No longer in the catalog";

interface Group {
  name: string;
  types: { name: string; description: string; deprecated: boolean }[];
}

function groupCatalog(catalog: readonly EventTypeOut[], selected: readonly string[]): Group[] {
  const groups = new Map<string, Group>();
  for (const eventType of catalog) {
    const name = eventType.groupName ?? UNGROUPED;
    let group = groups.get(name);
    if (!group) groups.set(name, (group = { name, types: [] }));
    group.types.push({
      name: eventType.name,
      description: eventType.description,
      deprecated: eventType.deprecated,
    });
  }
  const sorted = [...groups.values()].sort((a, b) =>
    a.name === UNGROUPED ? 1 : b.name === UNGROUPED ? -1 : a.name.localeCompare(b.name),
  );
  // Types the endpoint filters on that were archived since: shown so that saving keeps them (or drops them).
  const known = new Set(catalog.map((eventType) => eventType.name));
  const orphans = selected.filter((name) => !known.has(name));
  if (orphans.length > 0) {
    sorted.push({
      name: NOT_IN_CATALOG,
      types: orphans.map((name) => ({ name, description: "Archived or removed.", deprecated: false })),
    });
  }
  return sorted;
}

export function EventTypePicker({
  allEvents,
  selected,
  error,
  onChange,
}: {
  allEvents: boolean;
  selected: string[];
  error: string | null;
  onChange: (change: { allEvents?: boolean; eventTypes?: string[] }) => void;
}) {
  const scope = useAppScope();
  const catalog = useEventCatalog();
  const [filter, setFilter] = useState("");
  const id = useId();
  const groups = useMemo(() => groupCatalog(catalog.data ?? [], selected), [catalog.data, selected]);
  const total = groups.reduce((count, group) => count + group.types.length, 0);
  const needle = filter.trim().toLowerCase();
  const visible = groups
    .map((group) => ({
      ...group,
      types: group.types.filter(
        (type) =>
          needle === "" ||
          type.name.toLowerCase().includes(needle) ||
          type.description.toLowerCase().includes(needle) ||
          group.name.toLowerCase().includes(needle),
      ),
    }))
    .filter((group) => group.types.length > 0);
  const chosen = new Set(selected);
  const set = (names: Iterable<string>) => onChange({ eventTypes: [...names] });
  const catalogEmpty = catalog.data !== undefined && catalog.data.length === 0 && selected.length === 0;

  return (
    <fieldset
      className={`ep-events${error ? " field-invalid" : ""}`}
      aria-describedby={error ? `${id}-error` : undefined}
    >
      <legend>Events</legend>
      <div className="ep-choices">
        <label className="checkbox">
          <input
            type="radio"
            name={`${id}-mode`}
            checked={allEvents}
            onChange={() => onChange({ allEvents: true })}
          />
          <span>
            Receive all events <span className="muted">— including event types added later</span>
          </span>
        </label>
        <label className="checkbox">
          <input
            type="radio"
            name={`${id}-mode`}
            checked={!allEvents}
            disabled={catalogEmpty}
            aria-invalid={error ? true : undefined}
            onChange={() => onChange({ allEvents: false })}
          />
          <span>Only selected event types</span>
        </label>
      </div>
      {catalogEmpty ? (
        <p className="field-hint">
          The event catalog is empty, so this endpoint can only receive all events.{" "}
          {scope.mode === "dashboard" ? <Link href={scope.catalogPath}>Add event types</Link> : null}
        </p>
      ) : null}
      {!allEvents ? (
        catalog.loading ? (
          <Loading label="Loading the event catalog…" />
        ) : catalog.error ? (
          <Alert>
            The event catalog could not be loaded: {errorMessage(catalog.error)}{" "}
            <Button className="btn-small" onClick={catalog.reload}>
              Try again
            </Button>
          </Alert>
        ) : (
          <div className="ep-event-list">
            {total > FILTER_THRESHOLD ? (
              <div className="field">
                <label htmlFor={`${id}-filter`}>Filter event types</label>
                <input
                  id={`${id}-filter`}
                  type="search"
                  value={filter}
                  placeholder="invoice, user.created…"
                  onChange={(event) => setFilter(event.target.value)}
                />
              </div>
            ) : null}
            <p className="field-hint" aria-live="polite">
              {selected.length === 0 ? "None selected." : `${selected.length} selected.`}
            </p>
            {visible.length === 0 ? <p className="muted">No event type matches “{filter}”.</p> : null}
            {visible.map((group) => {
              const allChosen = group.types.every((type) => chosen.has(type.name));
              return (
                <fieldset key={group.name} className="ep-event-group">
                  <legend>{group.name}</legend>
                  <Button
                    variant="ghost"
                    className="btn-small ep-group-toggle"
                    aria-label={`${allChosen ? "Clear" : "Select all in"} ${group.name}`}
                    onClick={() => {
                      const next = new Set(chosen);
                      for (const type of group.types) {
                        if (allChosen) next.delete(type.name);
                        else next.add(type.name);
                      }
                      set(next);
                    }}
                  >
                    {allChosen ? "Clear" : "Select all"}
                  </Button>
                  {group.types.map((type) => (
                    <label key={type.name} className="ep-event-option">
                      <input
                        type="checkbox"
                        checked={chosen.has(type.name)}
                        onChange={(event) => {
                          const next = new Set(chosen);
                          if (event.target.checked) next.add(type.name);
                          else next.delete(type.name);
                          set(next);
                        }}
                      />
                      <span>
                        <span className="mono">{type.name}</span>
                        {type.deprecated ? <Badge tone="warning">Deprecated</Badge> : null}
                        {type.description ? (
                          <span className="muted ep-event-description">{type.description}</span>
                        ) : null}
                      </span>
                    </label>
                  ))}
                </fieldset>
              );
            })}
          </div>
        )
      ) : null}
      {error ? (
        <div className="field-error" id={`${id}-error`}>
          {error}
        </div>
      ) : null}
    </fieldset>
  );
}
