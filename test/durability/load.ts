/**
 * Tenants and traffic for the durability tests: applications with endpoints on the ledger receiver (created
 * through the svix SDK), and a load generator that posts messages with a fixed number of requests in flight and
 * records the id of every message Herald acknowledged with a 2xx. Those, and only those, are the messages
 * Herald promised to deliver.
 */
import { Pool } from "undici";
import { Svix } from "svix";
import { ledgerKey, type LedgerReceiver } from "./ledger.js";

export interface Tenant {
  appId: string;
  /** Receiver paths of this application's endpoints. */
  paths: string[];
  /** Endpoint id → receiver path. */
  pathByEndpointId: Map<string, string>;
}

/** Creates `apps` applications with `endpointsPerApp` endpoints each, all subscribed to every event type. */
export async function createTenants(
  apiUrl: string,
  token: string,
  receiver: LedgerReceiver,
  options: { apps: number; endpointsPerApp: number; timeoutSeconds: number },
): Promise<Tenant[]> {
  const svix = new Svix(token, { serverUrl: apiUrl });
  const tenants: Tenant[] = [];
  for (let a = 0; a < options.apps; a++) {
    const app = await svix.application.create({ name: `durability ${a}` });
    const paths: string[] = [];
    const pathByEndpointId = new Map<string, string>();
    for (let e = 0; e < options.endpointsPerApp; e++) {
      const path = `/app${a}/endpoint${e}`;
      const endpoint = await svix.endpoint.create(app.id, {
        url: receiver.url + path,
        // Herald's extension; the SDK passes unknown fields through. Short, so a lost send is noticed soon.
        ...{ timeoutSeconds: options.timeoutSeconds },
      });
      const { key } = await svix.endpoint.getSecret(app.id, endpoint.id);
      receiver.setSecret(path, key);
      paths.push(path);
      pathByEndpointId.set(endpoint.id, path);
    }
    tenants.push({ appId: app.id, paths, pathByEndpointId });
  }
  return tenants;
}

export interface AcceptedMessage {
  id: string;
  tenant: Tenant;
  /** When the 2xx arrived (ms since the epoch). */
  acceptedAt: number;
}

/** The ledger keys every accepted message must reach: one per subscribed endpoint. */
export function expectedKeys(accepted: readonly AcceptedMessage[]): string[] {
  return accepted.flatMap(({ id, tenant }) => tenant.paths.map((path) => ledgerKey(id, path)));
}

function errorCode(error: unknown): unknown {
  return typeof error === "object" && error !== null && "code" in error ? error.code : undefined;
}

/**
 * Posts messages round-robin over the tenants with `concurrency` requests in flight, to whichever API URL is
 * the current target (none while Herald is down). A request that fails without an answer is counted as
 * unacknowledged: Herald may or may not have committed it, and owes nothing for it. The message posted next
 * is a new one: a client that retried the same one would use an idempotency key, which is not what is tested.
 */
export class LoadGenerator {
  readonly accepted: AcceptedMessage[] = [];
  /** Requests sent that got no answer: Herald may or may not have committed them. */
  unacknowledged = 0;
  /** Requests that found no server listening: they never reached Herald. */
  connectionsRefused = 0;
  /** Non-2xx answers by status. */
  readonly refused = new Map<number, number>();
  private pool: Pool | null = null;
  private running = false;
  private workers: Promise<void>[] = [];
  private sequence = 0;
  private readonly retiredPools: Pool[] = [];

  constructor(
    private readonly tenants: readonly Tenant[],
    private readonly token: string,
    private readonly options: { concurrency: number; limit: number },
  ) {}

  /** Where messages go from now on; null pauses posting. */
  setTarget(url: string | null): void {
    if (this.pool) this.retiredPools.push(this.pool);
    this.pool = url === null ? null : new Pool(url, { connections: this.options.concurrency });
  }

  start(): void {
    this.running = true;
    for (let i = 0; i < this.options.concurrency; i++) this.workers.push(this.work());
  }

  /** Stops posting and waits for requests in flight. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
    const pools = [...this.retiredPools.splice(0), ...(this.pool ? [this.pool] : [])];
    this.pool = null;
    await Promise.all(pools.map((pool) => pool.destroy()));
  }

  /** Resolves once `limit` messages were accepted (then posting stops by itself), or rejects after `timeoutMs`. */
  async done(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.running && this.accepted.length < this.options.limit) {
      if (Date.now() > deadline) {
        throw new Error(
          `load: only ${this.accepted.length} of ${this.options.limit} messages accepted in time`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await this.stop();
  }

  private async work(): Promise<void> {
    while (this.running && this.accepted.length < this.options.limit) {
      const pool = this.pool;
      if (!pool) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      const sequence = this.sequence++;
      const tenant = this.tenants[sequence % this.tenants.length];
      if (!tenant) throw new Error("load: no tenants");
      try {
        const response = await pool.request({
          method: "POST",
          path: `/api/v1/app/${tenant.appId}/msg?with_content=false`,
          headers: { authorization: `Bearer ${this.token}`, "content-type": "application/json" },
          body: JSON.stringify({ eventType: "durability.test", payload: { sequence, sentAt: Date.now() } }),
        });
        const text = await response.body.text();
        if (response.statusCode >= 200 && response.statusCode < 300) {
          const { id } = JSON.parse(text) as { id: string };
          this.accepted.push({ id, tenant, acceptedAt: Date.now() });
        } else {
          this.refused.set(response.statusCode, (this.refused.get(response.statusCode) ?? 0) + 1);
        }
      } catch (error) {
        // The process is down (refused), or went away while the request was open (no answer).
        if (errorCode(error) === "ECONNREFUSED") this.connectionsRefused++;
        else this.unacknowledged++;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }
}
