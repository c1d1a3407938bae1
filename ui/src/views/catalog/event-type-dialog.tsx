/** Creates or edits one event type of the catalog (the dashboard only: catalog writes need the admin token). */
import { useId, useMemo, useState, type FormEvent } from "react";
import { ApiError, seg } from "../../api/client";
import type { EventTypeIn, EventTypeOut, EventTypePatch } from "../../api/types";
import { Alert, Button, errorMessage, Field, Modal, useToast } from "../../components/ui";
import { useScope } from "../../scope";
import { buildSchemas, parseJsonObject, schemaTexts, type JsonObject } from "./catalog-schema";

/** The API's pattern for event-type and group names (src/http/schemas/event-types.ts). */
const NAME_PATTERN = /^[a-zA-Z0-9\-_.]+$/;
const MAX_NAME = 256;
const MAX_DESCRIPTION = 65_536;

type FieldName = "name" | "description" | "groupName" | "schema";
type FieldErrors = Partial<Record<FieldName, string>>;

function nameProblem(value: string, what: string): string | undefined {
  if (value.length > MAX_NAME) return `At most ${MAX_NAME} characters.`;
  if (!NAME_PATTERN.test(value)) return `${what} may use only letters, digits, '.', '_' and '-'.`;
  return undefined;
}

/** Which form field an API error path (`schemas.1.examples`, `groupName`, …) belongs to. */
function fieldOf(path: string): FieldName | null {
  if (path === "name" || path === "description" || path === "groupName") return path;
  if (path.startsWith("schemas")) return "schema";
  return null;
}

function schemaFieldError(text: string, hasExamples: boolean): { value: JsonObject | null; error?: string } {
  if (text.trim() === "") return { value: null };
  const parsed = parseJsonObject(text, "A JSON Schema");
  if (parsed.error !== null) return { value: null, error: parsed.error };
  if (hasExamples && "examples" in parsed.value) {
    return { value: null, error: "Keep examples in “Example payloads” below, not in the schema." };
  }
  return { value: parsed.value };
}

export function EventTypeDialog({
  eventType,
  groups,
  onClose,
  onSaved,
}: {
  /** null: a new event type. */
  eventType: EventTypeOut | null;
  /** Existing group names, offered as suggestions. */
  groups: string[];
  onClose: () => void;
  onSaved: (saved: EventTypeOut) => void;
}) {
  const { api } = useScope();
  const toast = useToast();
  const formId = useId();
  const groupListId = useId();
  const initial = useMemo(() => schemaTexts(eventType?.schemas ?? null), [eventType]);
  const [name, setName] = useState(eventType?.name ?? "");
  const [description, setDescription] = useState(eventType?.description ?? "");
  const [groupName, setGroupName] = useState(eventType?.groupName ?? "");
  const [deprecated, setDeprecated] = useState(eventType?.deprecated ?? false);
  const [schemaText, setSchemaText] = useState(initial.schema);
  const [examples, setExamples] = useState<string[]>(initial.examples);
  const [submitted, setSubmitted] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // JSON is checked as it is typed; the other fields once the form is submitted.
  const schema = schemaFieldError(schemaText, examples.length > 0);
  const parsedExamples = examples.map((text) => parseJsonObject(text, "An example payload"));

  const setExample = (index: number, text: string) =>
    setExamples((current) => current.map((old, i) => (i === index ? text : old)));

  const formatSchema = () => {
    if (schema.value) setSchemaText(JSON.stringify(schema.value, null, 2));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    const trimmedName = name.trim();
    const trimmedGroup = groupName.trim();
    const errors: FieldErrors = {};
    if (eventType === null) {
      errors.name =
        trimmedName === "" ? "Enter a name, e.g. invoice.paid." : nameProblem(trimmedName, "Names");
    }
    if (trimmedGroup !== "") errors.groupName = nameProblem(trimmedGroup, "Group names");
    if (description.length > MAX_DESCRIPTION) errors.description = `At most ${MAX_DESCRIPTION} characters.`;
    for (const key of Object.keys(errors) as FieldName[]) if (errors[key] === undefined) delete errors[key];
    setSubmitted(errors);
    if (Object.keys(errors).length > 0 || schema.error || parsedExamples.some((parsed) => parsed.error))
      return;

    const payloads = parsedExamples.flatMap((parsed) => (parsed.value ? [parsed.value] : []));
    const schemas = buildSchemas(eventType?.schemas ?? null, schema.value, payloads);
    setBusy(true);
    try {
      let saved: EventTypeOut;
      if (eventType === null) {
        const body: EventTypeIn = {
          name: trimmedName,
          description,
          deprecated,
          groupName: trimmedGroup === "" ? null : trimmedGroup,
          schemas,
        };
        saved = await api.post<EventTypeOut>("/event-type", body);
      } else {
        const body: EventTypePatch = {
          description,
          deprecated,
          groupName: trimmedGroup === "" ? null : trimmedGroup,
          schemas,
        };
        saved = await api.patch<EventTypeOut>(`/event-type/${seg(eventType.name)}`, body);
      }
      toast(eventType === null ? `Event type ${saved.name} created` : `Event type ${saved.name} saved`);
      onSaved(saved);
    } catch (caught) {
      setBusy(false);
      if (caught instanceof ApiError && caught.code === "event_type_exists") {
        setSubmitted({ name: "An event type with this name already exists." });
        return;
      }
      const fromApi: FieldErrors = {};
      let unplaced = false;
      if (caught instanceof ApiError) {
        for (const [path, message] of Object.entries(caught.fieldErrors)) {
          const field = fieldOf(path);
          if (field) fromApi[field] ??= message;
          else unplaced = true;
        }
      }
      setSubmitted(fromApi);
      if (Object.keys(fromApi).length === 0 || unplaced) setFailure(errorMessage(caught));
    }
  };

  const schemaError = schema.error ?? submitted.schema;
  return (
    <Modal
      wide
      title={eventType === null ? "New event type" : `Edit ${eventType.name}`}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" form={formId} variant="primary" busy={busy}>
            {eventType === null ? "Create event type" : "Save changes"}
          </Button>
        </>
      }
    >
      <form id={formId} className="form catalog-form" onSubmit={(event) => void submit(event)} noValidate>
        <div className="catalog-form-row">
          <Field
            label="Name"
            hint={
              eventType === null
                ? "What your platform calls the event, e.g. invoice.paid. Letters, digits, '.', '_' and '-'."
                : "The name identifies the event type and cannot change."
            }
            error={submitted.name}
          >
            <input
              type="text"
              value={name}
              onChange={(event) => setName(event.target.value)}
              readOnly={eventType !== null}
              autoComplete="off"
              spellCheck={false}
              autoFocus={eventType === null}
            />
          </Field>
          <Field
            label="Group (optional)"
            hint="Event types are listed by group, e.g. invoice."
            error={submitted.groupName}
          >
            <input
              type="text"
              value={groupName}
              onChange={(event) => setGroupName(event.target.value)}
              list={groupListId}
              autoComplete="off"
              spellCheck={false}
            />
          </Field>
          <datalist id={groupListId}>
            {groups.map((group) => (
              <option key={group} value={group} />
            ))}
          </datalist>
        </div>
        <Field
          label="Description"
          hint="Tells the receiving developers when this event is sent."
          error={submitted.description}
        >
          <textarea
            className="catalog-description"
            value={description}
            onChange={(event) => setDescription(event.target.value)}
            autoFocus={eventType !== null}
          />
        </Field>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={deprecated}
            onChange={(event) => setDeprecated(event.target.checked)}
          />
          Deprecated (still sent; marked so that receivers move off it)
        </label>
        <Field
          label="JSON Schema (optional)"
          hint={
            schemaError ? undefined : schema.value ? (
              <span className="catalog-json-ok">Valid JSON Schema object.</span>
            ) : (
              "Describes the payload. Without examples, the sample is generated from it."
            )
          }
          error={schemaError}
        >
          <textarea
            className="catalog-json"
            value={schemaText}
            onChange={(event) => setSchemaText(event.target.value)}
            placeholder={'{\n  "type": "object",\n  "properties": { "id": { "type": "string" } }\n}'}
            spellCheck={false}
            rows={10}
          />
        </Field>
        {schema.value ? (
          <div className="row catalog-json-actions">
            <Button className="btn-small" onClick={formatSchema}>
              Format schema
            </Button>
          </div>
        ) : null}
        <fieldset className="catalog-examples">
          <legend>Example payloads</legend>
          <p className="muted catalog-examples-intro">
            Shown as the event’s sample and sent by “Send example” and endpoint tests (the first one unless
            another is picked). Stored in the schema’s <code>examples</code>.
          </p>
          {examples.map((text, index) => {
            const parsed = parsedExamples[index];
            return (
              <div className="catalog-example" key={index}>
                <Field label={`Example ${index + 1}`} error={parsed?.error}>
                  <textarea
                    className="catalog-json"
                    value={text}
                    onChange={(event) => setExample(index, event.target.value)}
                    spellCheck={false}
                    rows={6}
                  />
                </Field>
                <Button
                  className="btn-small"
                  variant="danger"
                  onClick={() => setExamples((current) => current.filter((_, i) => i !== index))}
                  aria-label={`Remove example ${index + 1}`}
                >
                  Remove
                </Button>
              </div>
            );
          })}
          <div>
            <Button className="btn-small" onClick={() => setExamples((current) => [...current, "{\n  \n}"])}>
              Add example
            </Button>
          </div>
        </fieldset>
        {failure ? <Alert>{failure}</Alert> : null}
      </form>
    </Modal>
  );
}
