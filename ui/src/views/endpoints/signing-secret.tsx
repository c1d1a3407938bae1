/**
 * The endpoint's signing secret: hidden until asked for (it is fetched only then), copyable, and rotatable with
 * a grace period during which the old secret keeps signing beside the new one, so receivers can be updated
 * without rejecting deliveries in between.
 */
import { useState } from "react";
import type { EndpointOut, EndpointSecretOut, EndpointSecretRotateIn } from "../../api/types";
import {
  Alert,
  Button,
  Card,
  ConfirmDialog,
  CopyButton,
  Field,
  errorMessage,
  useToast,
} from "../../components/ui";
import { useAppScope } from "../../scope";
import { endpointApiPath } from "./shared";

/** The API's default grace period (src/services/endpoints.ts DEFAULT_ROTATION_GRACE_SECONDS). */
const DEFAULT_GRACE_HOURS = 24;
/** The API's maximum (EndpointSecretRotateIn: 604 800 s). */
const MAX_GRACE_HOURS = 168;

function graceSeconds(text: string): number | null {
  const hours = Number(text.trim());
  if (text.trim() === "" || !Number.isFinite(hours) || hours < 0 || hours > MAX_GRACE_HOURS) return null;
  return Math.round(hours * 3600);
}

const hoursText = (hours: number) => (hours === 1 ? "1 hour" : `${hours} hours`);

export function SigningSecretCard({ endpoint }: { endpoint: EndpointOut }) {
  const scope = useAppScope();
  const toast = useToast();
  const [secret, setSecret] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [rotating, setRotating] = useState(false);
  const [graceText, setGraceText] = useState(String(DEFAULT_GRACE_HOURS));
  const scheme = endpoint.signature.scheme;

  const reveal = async () => {
    setLoading(true);
    setError(null);
    try {
      const out = await scope.api.get<EndpointSecretOut>(endpointApiPath(scope, endpoint.id, "secret"));
      setSecret(out.key);
    } catch (caught) {
      setError(caught);
    } finally {
      setLoading(false);
    }
  };

  const rotate = async () => {
    const seconds = scheme === "standard" ? graceSeconds(graceText) : null;
    if (scheme === "standard" && seconds === null)
      throw new Error(`Enter a grace period from 0 to ${MAX_GRACE_HOURS} hours.`);
    const body: EndpointSecretRotateIn = seconds === null ? {} : { gracePeriodSeconds: seconds };
    await scope.api.post<void>(endpointApiPath(scope, endpoint.id, "secret/rotate"), body);
    toast(
      scheme === "standard" && seconds !== null && seconds > 0
        ? `Secret rotated. The previous secret keeps signing for ${hoursText(seconds / 3600)}.`
        : "Secret rotated.",
    );
    if (secret !== null) await reveal();
  };

  const graceError = graceSeconds(graceText) === null ? `From 0 to ${MAX_GRACE_HOURS} hours.` : null;

  return (
    <Card
      title="Signing secret"
      actions={
        scope.readOnly ? null : (
          <Button className="btn-small" onClick={() => setRotating(true)}>
            Rotate…
          </Button>
        )
      }
    >
      <div className="ep-secret">
        <p className="muted ep-dialog-text">
          {scheme === "standard"
            ? "Your server verifies each delivery's signature with this secret (Svix or Standard Webhooks libraries)."
            : scheme === "hmac"
              ? `The key of the HMAC in the ${endpoint.signature.header ?? "signature"} header, as its UTF-8 bytes.`
              : "Deliveries to this endpoint are not signed; the secret is used once you choose a signature scheme."}
        </p>
        <div className="ep-secret-row">
          <code className="ep-secret-value" aria-label="Signing secret">
            {secret ?? "••••••••••••••••••••••••"}
          </code>
          {secret === null ? (
            <Button className="btn-small" busy={loading} onClick={() => void reveal()}>
              Reveal
            </Button>
          ) : (
            <>
              <CopyButton text={secret} label="Copy secret" />
              <Button variant="ghost" className="btn-small" onClick={() => setSecret(null)}>
                Hide
              </Button>
            </>
          )}
        </div>
        {error ? <Alert>{errorMessage(error)}</Alert> : null}
      </div>
      {rotating ? (
        <ConfirmDialog
          title="Rotate the signing secret?"
          confirmLabel="Rotate secret"
          onClose={() => setRotating(false)}
          onConfirm={rotate}
        >
          <p className="ep-dialog-text">
            Herald generates a new secret and signs every delivery with it from now on.
          </p>
          {scheme === "standard" ? (
            <>
              <p className="ep-dialog-text">
                During the grace period each delivery also carries a signature made with the current secret,
                so your server keeps accepting deliveries until you have deployed the new secret. After it,
                only the new secret signs. Zero ends the current secret at once.
              </p>
              <Field
                label="Grace period (hours)"
                hint={`Default ${DEFAULT_GRACE_HOURS}, at most ${MAX_GRACE_HOURS}.`}
                error={graceError}
              >
                <input
                  type="number"
                  min={0}
                  max={MAX_GRACE_HOURS}
                  step="any"
                  value={graceText}
                  onChange={(event) => setGraceText(event.target.value)}
                />
              </Field>
            </>
          ) : (
            <Alert tone="warning">
              {scheme === "hmac"
                ? "An HMAC header holds one digest, so there is no grace period: only the new secret signs, at once. Update your server right after rotating."
                : "This endpoint's deliveries are not signed, so rotating changes nothing until a signature scheme is chosen."}
            </Alert>
          )}
        </ConfirmDialog>
      ) : null}
    </Card>
  );
}
