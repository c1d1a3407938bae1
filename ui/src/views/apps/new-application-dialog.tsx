import { useId, useState, type FormEvent } from "react";
import { ApiError } from "../../api/client";
import type { ApplicationIn, ApplicationOut } from "../../api/types";
import { Alert, Button, errorMessage, Field, Modal, useToast } from "../../components/ui";
import { useScope } from "../../scope";

/** The API's uid rule (src/http/schemas/common.ts `UidString`). */
const UID_PATTERN = /^[a-zA-Z0-9\-_.]+$/;
const MAX_LENGTH = 256;

interface FieldErrors {
  name?: string;
  uid?: string;
}

function validate(name: string, uid: string): FieldErrors {
  const errors: FieldErrors = {};
  if (name === "") errors.name = "Enter a name.";
  else if (name.length > MAX_LENGTH) errors.name = `At most ${MAX_LENGTH} characters.`;
  if (uid !== "") {
    if (uid.length > MAX_LENGTH) errors.uid = `At most ${MAX_LENGTH} characters.`;
    else if (!UID_PATTERN.test(uid)) errors.uid = "Only letters, digits, '.', '_' and '-'.";
  }
  return errors;
}

export function NewApplicationDialog({
  onClose,
  onCreated,
}: {
  onClose: () => void;
  onCreated: (app: ApplicationOut) => void;
}) {
  const { api } = useScope();
  const toast = useToast();
  const formId = useId();
  const [name, setName] = useState("");
  const [uid, setUid] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const trimmedName = name.trim();
    const trimmedUid = uid.trim();
    const found = validate(trimmedName, trimmedUid);
    setErrors(found);
    setFailure(null);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      const body: ApplicationIn = { name: trimmedName, ...(trimmedUid === "" ? {} : { uid: trimmedUid }) };
      const created = await api.post<ApplicationOut>("/app", body);
      toast(`Application “${created.name}” created`);
      onCreated(created);
    } catch (caught) {
      setBusy(false);
      if (caught instanceof ApiError && caught.status === 409) {
        setErrors({ uid: "An application with this uid already exists." });
      } else if (caught instanceof ApiError && (caught.fieldErrors.name || caught.fieldErrors.uid)) {
        setErrors({ name: caught.fieldErrors.name, uid: caught.fieldErrors.uid });
      } else {
        setFailure(errorMessage(caught));
      }
    }
  };

  return (
    <Modal
      title="New application"
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" form={formId} variant="primary" busy={busy}>
            Create application
          </Button>
        </>
      }
    >
      <form id={formId} className="form" onSubmit={(event) => void submit(event)} noValidate>
        <Field
          label="Name"
          hint="Shown in the dashboard, e.g. your customer’s company name."
          error={errors.name}
        >
          <input
            type="text"
            value={name}
            onChange={(event) => setName(event.target.value)}
            maxLength={MAX_LENGTH + 1}
            required
            autoFocus
          />
        </Field>
        <Field
          label="UID (optional)"
          hint="Your own id for this customer (letters, digits, '.', '_' and '-'). API calls accept it in place of the application id."
          error={errors.uid}
        >
          <input
            type="text"
            value={uid}
            onChange={(event) => setUid(event.target.value)}
            autoComplete="off"
            spellCheck={false}
          />
        </Field>
        {failure ? <Alert>{failure}</Alert> : null}
      </form>
    </Modal>
  );
}
