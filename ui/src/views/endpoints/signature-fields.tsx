/** The signature scheme of an endpoint and, for a plain HMAC, its algorithm, encoding, header and prefix. */
import type { EndpointOut } from "../../api/types";
import { Alert, Field } from "../../components/ui";
import { errorFor, DEFAULT_HMAC_HEADER, type EndpointDraft, type FieldErrors } from "./form-model";
import { RadioChoices, type RadioChoice } from "./shared";

const SCHEMES: readonly RadioChoice<EndpointDraft["scheme"]>[] = [
  {
    value: "standard",
    label: "Standard Webhooks",
    detail: "(recommended) — verifiable with the Svix or Standard Webhooks libraries",
  },
  {
    value: "hmac",
    label: "HMAC in a custom header",
    detail: "— one digest, for receivers built for GitHub- or Stripe-style signatures",
  },
  {
    value: "none",
    label: "No signature",
    detail: "— the receiver cannot tell Herald's requests from forged ones",
  },
];

export function SignatureSection({
  draft,
  errors,
  endpoint,
  onChange,
}: {
  draft: EndpointDraft;
  errors: FieldErrors;
  endpoint: EndpointOut | null;
  onChange: (patch: Partial<EndpointDraft>) => void;
}) {
  const schemeChanged = endpoint !== null && endpoint.signature.scheme !== draft.scheme;
  return (
    <section className="card ep-form-section" aria-labelledby="ep-section-signature">
      <h2 id="ep-section-signature">Signature</h2>
      <RadioChoices
        name="scheme"
        legend="Signature scheme"
        value={draft.scheme}
        choices={SCHEMES}
        onChange={(scheme) => onChange({ scheme })}
      />
      {schemeChanged && draft.scheme !== "none" ? (
        <Alert tone="info">
          Changing the scheme may give the endpoint a new signing secret (a key of one scheme cannot sign for
          the other). Check the secret on the endpoint's page after saving.
        </Alert>
      ) : null}
      {draft.scheme === "hmac" ? (
        <div className="ep-hmac">
          <Field label="Algorithm" error={errorFor(errors, "signature.algorithm")}>
            <select
              value={draft.hmacAlgorithm}
              onChange={(event) =>
                onChange({ hmacAlgorithm: event.target.value as EndpointDraft["hmacAlgorithm"] })
              }
            >
              <option value="sha256">HMAC-SHA256</option>
              <option value="sha512">HMAC-SHA512</option>
              <option value="sha1">HMAC-SHA1 (legacy)</option>
            </select>
          </Field>
          <Field label="Encoding" error={errorFor(errors, "signature.encoding")}>
            <select
              value={draft.hmacEncoding}
              onChange={(event) =>
                onChange({ hmacEncoding: event.target.value as EndpointDraft["hmacEncoding"] })
              }
            >
              <option value="hex">Hex</option>
              <option value="base64">Base64</option>
            </select>
          </Field>
          <Field
            label="Signature header"
            hint={`Empty: ${DEFAULT_HMAC_HEADER}.`}
            error={errorFor(errors, "signature.header")}
          >
            <input
              type="text"
              spellCheck={false}
              placeholder={DEFAULT_HMAC_HEADER}
              value={draft.hmacHeader}
              onChange={(event) => onChange({ hmacHeader: event.target.value })}
            />
          </Field>
          <Field
            label="Prefix"
            hint="Optional text before the digest, e.g. sha256=."
            error={errorFor(errors, "signature.prefix")}
          >
            <input
              type="text"
              spellCheck={false}
              value={draft.hmacPrefix}
              onChange={(event) => onChange({ hmacPrefix: event.target.value })}
            />
          </Field>
          <Field
            label="Signed content"
            hint={
              draft.hmacSignedContent === "timestamp.body"
                ? "The timestamp is also sent in the x-signature-timestamp header, so the receiver can recompute the digest."
                : undefined
            }
            error={errorFor(errors, "signature.signedContent")}
          >
            <select
              value={draft.hmacSignedContent}
              onChange={(event) =>
                onChange({ hmacSignedContent: event.target.value as EndpointDraft["hmacSignedContent"] })
              }
            >
              <option value="body">The body</option>
              <option value="timestamp.body">Timestamp, a dot, then the body</option>
            </select>
          </Field>
        </div>
      ) : null}
    </section>
  );
}
