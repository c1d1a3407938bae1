import type { IdempotencyClaim, Store } from "../store.js";
import type { SqlContext } from "./context.js";

export type IdempotencyOperations = Pick<
  Store,
  "claimIdempotencyKey" | "saveIdempotentResponse" | "releaseIdempotencyKey" | "purgeExpiredIdempotencyKeys"
>;

/**
 * Cached responses for `idempotency-key` (svix-api.md §1.6). A row is either a lock (no status code yet; it
 * expires when the lock does) or a completed response (expires after the cache window). An expired row of
 * either kind counts as absent, so taking a key over is one conditional upsert that is atomic in both dialects.
 */
export function idempotencyOperations({ db }: SqlContext): IdempotencyOperations {
  async function tryClaim(key: string, now: number, lockUntil: number): Promise<boolean> {
    const taken = await db
      .insertInto("idempotency_keys")
      .values({ key, status_code: null, body: null, expires_at: lockUntil, created_at: now })
      .onConflict((oc) =>
        oc
          .column("key")
          .doUpdateSet({ status_code: null, body: null, expires_at: lockUntil, created_at: now })
          .where("idempotency_keys.expires_at", "<=", now),
      )
      .returning("key")
      .executeTakeFirst();
    return taken !== undefined;
  }

  return {
    async claimIdempotencyKey(key, now, lockUntil) {
      // Two tries: the row that beat our claim may be released or purged before we read it.
      for (let attempt = 0; attempt < 2; attempt++) {
        if (await tryClaim(key, now, lockUntil)) return { state: "claimed" };
        const row = await db
          .selectFrom("idempotency_keys")
          .select(["status_code", "body", "expires_at"])
          .where("key", "=", key)
          .where("expires_at", ">", now)
          .executeTakeFirst();
        if (row === undefined) continue;
        const claim: IdempotencyClaim =
          row.status_code === null
            ? { state: "locked", lockedUntil: row.expires_at }
            : { state: "completed", response: { statusCode: row.status_code, body: row.body ?? "" } };
        return claim;
      }
      return { state: "locked", lockedUntil: lockUntil };
    },

    async saveIdempotentResponse(key, response, expiresAt) {
      await db
        .insertInto("idempotency_keys")
        .values({
          key,
          status_code: response.statusCode,
          body: response.body,
          expires_at: expiresAt,
          created_at: Date.now(),
        })
        .onConflict((oc) =>
          oc
            .column("key")
            .doUpdateSet({ status_code: response.statusCode, body: response.body, expires_at: expiresAt }),
        )
        .execute();
    },

    async releaseIdempotencyKey(key) {
      // Only a lock is released; a completed response stays cached.
      await db
        .deleteFrom("idempotency_keys")
        .where("key", "=", key)
        .where("status_code", "is", null)
        .execute();
    },

    async purgeExpiredIdempotencyKeys(now) {
      const result = await db
        .deleteFrom("idempotency_keys")
        .where("expires_at", "<=", now)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
