/**
 * Signing material per endpoint, cached briefly. Fetching an endpoint's secrets is a store read plus
 * decryption, and importing an ed25519 key costs ~400 µs (domain/signing.ts), so it happens once per endpoint
 * per `ttlMs`, never per delivery; concurrent deliveries to an endpoint whose entry is missing share one fetch.
 *
 * An entry is dropped early when the endpoint row changed (`updatedAt`, which a secret rotation also bumps) or
 * when one of its old keys' grace period ends. Staleness is bounded by `ttlMs` for changes made by another
 * process whose `updatedAt` this process has not yet seen.
 */
import type { EndpointId } from "../domain/ids.js";
import { decodeStandardSecret } from "../domain/secrets.js";
import { toSigningKey, type SigningKey } from "../domain/signing.js";
import type { Endpoint, EpochMs } from "../domain/types.js";
import type { Store } from "../store/store.js";

export interface EndpointSigning {
  /** `standard` scheme: every live key that is a Standard Webhooks key, current first. */
  keys: readonly SigningKey[];
  /** `hmac` scheme: the current secret as the tenant set it. */
  hmacSecret: string | undefined;
}

const UNSIGNED: EndpointSigning = Object.freeze({ keys: Object.freeze([]), hmacSecret: undefined });

interface Entry {
  signing: EndpointSigning;
  validUntil: EpochMs;
  endpointUpdatedAt: EpochMs;
  scheme: Endpoint["signature"]["scheme"];
}

export interface SigningKeyCacheOptions {
  store: Pick<Store, "getEndpointSecrets">;
  now: () => EpochMs;
  ttlMs: number;
  /** Endpoints kept; the least recently fetched entry goes beyond this. */
  maxEntries: number;
}

export class SigningKeyCache {
  private readonly entries = new Map<EndpointId, Entry>();
  private readonly loading = new Map<EndpointId, Promise<EndpointSigning>>();

  constructor(private readonly options: SigningKeyCacheOptions) {}

  /** The cached material when it is still good: the hot path takes this without awaiting anything. */
  peek(endpoint: Endpoint): EndpointSigning | undefined {
    if (endpoint.signature.scheme === "none") return UNSIGNED;
    const entry = this.entries.get(endpoint.id);
    if (
      entry === undefined ||
      entry.validUntil <= this.options.now() ||
      entry.endpointUpdatedAt !== endpoint.updatedAt ||
      entry.scheme !== endpoint.signature.scheme
    ) {
      return undefined;
    }
    return entry.signing;
  }

  /** Fetches (or joins a fetch of) the endpoint's secrets; rejects when the store fails. */
  load(endpoint: Endpoint): Promise<EndpointSigning> {
    const cached = this.peek(endpoint);
    if (cached) return Promise.resolve(cached);
    let pending = this.loading.get(endpoint.id);
    if (!pending) {
      pending = this.fetch(endpoint).finally(() => this.loading.delete(endpoint.id));
      this.loading.set(endpoint.id, pending);
    }
    return pending;
  }

  private async fetch(endpoint: Endpoint): Promise<EndpointSigning> {
    const fetchedAt = this.options.now();
    const secrets = await this.options.store.getEndpointSecrets(endpoint.id, fetchedAt);
    let validUntil = fetchedAt + this.options.ttlMs;
    for (const secret of secrets) {
      if (secret.expiresAt !== null) validUntil = Math.min(validUntil, secret.expiresAt);
    }
    const signing: EndpointSigning =
      endpoint.signature.scheme === "hmac"
        ? { keys: [], hmacSecret: secrets.find((secret) => secret.expiresAt === null)?.key }
        : { keys: standardKeys(secrets.map((secret) => secret.key)), hmacSecret: undefined };
    this.entries.delete(endpoint.id);
    this.entries.set(endpoint.id, {
      signing,
      validUntil,
      endpointUpdatedAt: endpoint.updatedAt,
      scheme: endpoint.signature.scheme,
    });
    if (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return signing;
  }
}

/** Keys that are not Standard Webhooks keys (left from an earlier `hmac` scheme) cannot sign and are skipped. */
function standardKeys(secrets: readonly string[]): SigningKey[] {
  const keys: SigningKey[] = [];
  for (const secret of secrets) {
    const decoded = decodeStandardSecret(secret);
    if (decoded) keys.push(toSigningKey(decoded));
  }
  return keys;
}
