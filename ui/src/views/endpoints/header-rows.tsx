/** Custom headers as editable name/value rows, each with its own error line (the API names the header). */
import { useId } from "react";
import { Button } from "../../components/ui";
import { headerErrorKey, headerRow, type FieldErrors, type HeaderRow } from "./form-model";

export function HeaderRows({
  rows,
  errors,
  onChange,
}: {
  rows: HeaderRow[];
  errors: FieldErrors;
  onChange: (rows: HeaderRow[]) => void;
}) {
  const id = useId();
  const setRow = (key: number, patch: Partial<HeaderRow>) =>
    onChange(rows.map((row) => (row.key === key ? { ...row, ...patch } : row)));
  const setError = errors["headers"];
  return (
    <fieldset className="ep-headers" aria-describedby={`${id}-hint`}>
      <legend>Custom headers</legend>
      <p className="field-hint" id={`${id}-hint`}>
        Sent with every delivery, e.g. a token your server checks. Values of credential headers
        (Authorization, X-Api-Key, …) are write-only: they are never shown again.
      </p>
      {rows.length > 0 ? (
        <div className="ep-header-list">
          <div className="ep-header-row ep-header-head" aria-hidden="true">
            <span className="label">Name</span>
            <span className="label">Value</span>
          </div>
          {rows.map((row, index) => {
            const error = errors[headerErrorKey(row)];
            const errorId = `${id}-${row.key}-error`;
            const n = index + 1;
            return (
              <div key={row.key} className="ep-header-row">
                <input
                  type="text"
                  aria-label={`Header ${n} name`}
                  value={row.name}
                  placeholder="X-Webhook-Token"
                  readOnly={row.hidden}
                  autoComplete="off"
                  spellCheck={false}
                  aria-invalid={error ? true : undefined}
                  aria-describedby={error ? errorId : undefined}
                  onChange={(event) => setRow(row.key, { name: event.target.value })}
                />
                <input
                  type={row.hidden ? "password" : "text"}
                  aria-label={`Header ${n} value`}
                  value={row.value}
                  placeholder={row.hidden ? "Hidden — leave empty to keep" : "value"}
                  autoComplete="off"
                  spellCheck={false}
                  aria-invalid={error ? true : undefined}
                  aria-describedby={error ? errorId : undefined}
                  onChange={(event) => setRow(row.key, { value: event.target.value })}
                />
                <Button
                  variant="ghost"
                  className="btn-small"
                  aria-label={`Remove header ${row.name.trim() || n}`}
                  onClick={() => onChange(rows.filter((other) => other.key !== row.key))}
                >
                  Remove
                </Button>
                {error ? (
                  <div className="field-error ep-header-error" id={errorId}>
                    {error}
                  </div>
                ) : null}
              </div>
            );
          })}
        </div>
      ) : null}
      {setError ? <div className="field-error">{setError}</div> : null}
      <div>
        <Button className="btn-small" onClick={() => onChange([...rows, headerRow()])}>
          Add header
        </Button>
      </div>
    </fieldset>
  );
}
