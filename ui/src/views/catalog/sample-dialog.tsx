/**
 * An event type's sample payload (`GET /event-type/{name}/example`): exactly what send-example and the endpoint
 * test would send, with where it came from (the catalog's example, or generated from the JSON Schema).
 */
import { useState } from "react";
import { seg } from "../../api/client";
import type { EventTypeExampleOut, EventTypeOut } from "../../api/types";
import { Badge, CodeBlock, ErrorState, Field, Loading, Modal } from "../../components/ui";
import { useResource } from "../../lib/use-resource";
import { useScope } from "../../scope";
import { exampleCount } from "./catalog-schema";

const SOURCE_TEXT: Record<EventTypeExampleOut["source"], { badge: string; text: string }> = {
  catalog: { badge: "Catalog example", text: "An example payload written for this event type." },
  generated: {
    badge: "Generated from the schema",
    text: "This event type has no example payload, so this one was generated from its JSON Schema: the shape is right, the values are placeholders.",
  },
  placeholder: {
    badge: "No schema",
    text: "This event type has neither a JSON Schema nor an example, so its sample is an empty object.",
  },
};

export function SampleDialog({ eventType, onClose }: { eventType: EventTypeOut; onClose: () => void }) {
  const { api } = useScope();
  const [index, setIndex] = useState(0);
  const count = exampleCount(eventType.schemas);
  const sample = useResource(`sample:${eventType.name}:${index}`, (signal) =>
    api.get<EventTypeExampleOut>(`/event-type/${seg(eventType.name)}/example`, { index }, signal),
  );
  const schema = eventType.schemas?.["1"] ?? null;

  return (
    <Modal wide title={`Sample: ${eventType.name}`} onClose={onClose}>
      {eventType.description ? <p className="catalog-sample-description">{eventType.description}</p> : null}
      {count > 1 ? (
        <div className="catalog-sample-picker">
          <Field label="Example">
            <select value={index} onChange={(event) => setIndex(Number(event.target.value))}>
              {Array.from({ length: count }, (_, i) => (
                <option key={i} value={i}>
                  Example {i + 1} of {count}
                </option>
              ))}
            </select>
          </Field>
        </div>
      ) : null}
      {sample.loading ? (
        <Loading label="Loading the sample…" />
      ) : sample.error || !sample.data ? (
        <ErrorState error={sample.error} onRetry={sample.reload} title="Could not load the sample" />
      ) : (
        <>
          <p className="catalog-sample-source">
            <Badge tone={sample.data.source === "catalog" ? "info" : "neutral"}>
              {SOURCE_TEXT[sample.data.source].badge}
            </Badge>{" "}
            <span className="muted">{SOURCE_TEXT[sample.data.source].text}</span>
          </p>
          <CodeBlock label="Payload (JSON)" text={JSON.stringify(sample.data.payload, null, 2)} />
        </>
      )}
      {schema !== null ? (
        <details className="catalog-schema-details">
          <summary>JSON Schema</summary>
          <CodeBlock label="JSON Schema" text={JSON.stringify(schema, null, 2)} />
        </details>
      ) : null}
    </Modal>
  );
}
