import { HeraldError } from "../../domain/errors.js";
import { newId } from "../../domain/ids.js";
import type { EndpointSecret } from "../../domain/types.js";
import type { Store } from "../store.js";
import type { SqlContext } from "./context.js";
import { classifyingErrors } from "./driver-errors.js";
import { keyset, toPage } from "./pagination.js";
import { endpointFromRow, endpointToRow } from "./rows.js";

/** Svix allows at most this many old keys in their grace period at once. */
export const MAX_LIVE_OLD_SECRETS = 10;

export type EndpointOperations = Pick<
  Store,
  | "createEndpoint"
  | "getEndpoint"
  | "listEndpoints"
  | "updateEndpoint"
  | "deleteEndpoint"
  | "getEndpointSecrets"
  | "rotateEndpointSecret"
>;

export function endpointOperations({ db, cipher }: SqlContext): EndpointOperations {
  function secretRow(endpointId: string, secret: EndpointSecret) {
    return {
      id: newId("secret", secret.createdAt),
      endpoint_id: endpointId,
      encrypted_key: cipher.encrypt(secret.key),
      created_at: secret.createdAt,
      expires_at: secret.expiresAt,
    };
  }

  return {
    async createEndpoint(endpoint, secret) {
      await classifyingErrors(() =>
        db.transaction().execute(async (trx) => {
          await trx.insertInto("endpoints").values(endpointToRow(endpoint)).execute();
          await trx.insertInto("endpoint_secrets").values(secretRow(endpoint.id, secret)).execute();
        }),
      );
    },

    async getEndpoint(appId, idOrUid) {
      const row = await db
        .selectFrom("endpoints")
        .selectAll()
        .where("app_id", "=", appId)
        // Each branch repeats `deleted_at IS NULL` so that SQLite can use the partial uid index for it.
        .where((eb) =>
          eb.or([
            eb.and([eb("id", "=", idOrUid), eb("deleted_at", "is", null)]),
            eb.and([eb("uid", "=", idOrUid), eb("deleted_at", "is", null)]),
          ]),
        )
        .executeTakeFirst();
      return row ? endpointFromRow(row) : null;
    },

    async listEndpoints(appId, page) {
      const { comparison, direction, fetch } = keyset(page);
      let query = db
        .selectFrom("endpoints")
        .selectAll()
        .where("app_id", "=", appId)
        .where("deleted_at", "is", null);
      if (page.cursor !== null) query = query.where("id", comparison, page.cursor);
      const rows = await query.orderBy("id", direction).limit(fetch).execute();
      return toPage(rows, page, endpointFromRow);
    },

    async updateEndpoint(endpoint) {
      const {
        id: _id,
        app_id: _appId,
        created_at: _createdAt,
        deleted_at: _deletedAt,
        ...fields
      } = endpointToRow(endpoint);
      await classifyingErrors(() =>
        db
          .updateTable("endpoints")
          .set(fields)
          .where("id", "=", endpoint.id)
          .where("app_id", "=", endpoint.appId)
          .where("deleted_at", "is", null)
          .execute(),
      );
    },

    async deleteEndpoint(appId, id, now) {
      // Its queued deliveries stay: the claim cancels them when they come due (see claim-filter.ts).
      await db
        .updateTable("endpoints")
        .set({ deleted_at: now, updated_at: now })
        .where("id", "=", id)
        .where("app_id", "=", appId)
        .where("deleted_at", "is", null)
        .execute();
    },

    async getEndpointSecrets(endpointId, now) {
      const rows = await db
        .selectFrom("endpoint_secrets")
        .select(["encrypted_key", "created_at", "expires_at"])
        .where("endpoint_id", "=", endpointId)
        .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]))
        .execute();
      const secrets: EndpointSecret[] = rows.map((row) => ({
        key: cipher.decrypt(row.encrypted_key),
        createdAt: row.created_at,
        expiresAt: row.expires_at,
      }));
      // The current key first, then old keys newest first.
      return secrets.sort((a, b) =>
        a.expiresAt === null ? -1 : b.expiresAt === null ? 1 : b.createdAt - a.createdAt,
      );
    },

    async rotateEndpointSecret(endpointId, secret, previousExpiresAt, now) {
      await db.transaction().execute(async (trx) => {
        // Updating the endpoint row first serialises concurrent rotations (a row lock on Postgres, the write lock
        // on SQLite), so two rotations cannot both demote the same current key and leave two current keys. The new
        // `updated_at` also tells the delivery engine's signing-key cache that the keys changed.
        await trx.updateTable("endpoints").set({ updated_at: now }).where("id", "=", endpointId).execute();
        await trx
          .deleteFrom("endpoint_secrets")
          .where("endpoint_id", "=", endpointId)
          .where("expires_at", "<=", now)
          .execute();
        const { live } = await trx
          .selectFrom("endpoint_secrets")
          .select((eb) => eb.fn.countAll<number>().as("live"))
          .where("endpoint_id", "=", endpointId)
          .where("expires_at", "is not", null)
          .executeTakeFirstOrThrow();
        const liveAfter = Number(live) + (previousExpiresAt > now ? 1 : 0);
        if (liveAfter > MAX_LIVE_OLD_SECRETS) throw new HeraldError("limit_reached");
        await trx
          .updateTable("endpoint_secrets")
          .set({ expires_at: previousExpiresAt })
          .where("endpoint_id", "=", endpointId)
          .where("expires_at", "is", null)
          .execute();
        await trx
          .insertInto("endpoint_secrets")
          .values(secretRow(endpointId, { ...secret, expiresAt: null }))
          .execute();
      });
    },
  };
}
