import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/store.js";
import { BACKENDS, openTestStore } from "../helpers/databases.js";
import { T0 } from "./builders.js";

const LOCK = 5_000;
const KEEP = 12 * 3_600_000;

describe.each(BACKENDS)("idempotency keys (%s)", (backend) => {
  let store: Store;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ store, cleanup } = await openTestStore(backend));
  });
  afterAll(() => cleanup());

  it("locks a new key, then replays the saved response until it expires", async () => {
    expect(await store.claimIdempotencyKey("k1", T0, T0 + LOCK)).toEqual({ state: "claimed" });
    expect(await store.claimIdempotencyKey("k1", T0 + 1, T0 + 1 + LOCK)).toEqual({
      state: "locked",
      lockedUntil: T0 + LOCK,
    });
    await store.saveIdempotentResponse("k1", { statusCode: 201, body: '{"id":"app_1"}' }, T0 + KEEP);
    expect(await store.claimIdempotencyKey("k1", T0 + 2, T0 + 2 + LOCK)).toEqual({
      state: "completed",
      response: { statusCode: 201, body: '{"id":"app_1"}' },
    });
    // Expired: counts as absent.
    expect(await store.claimIdempotencyKey("k1", T0 + KEEP, T0 + KEEP + LOCK)).toEqual({ state: "claimed" });
  });

  it("lets an expired lock be taken over, and a released lock be claimed again", async () => {
    await store.claimIdempotencyKey("k2", T0, T0 + LOCK);
    expect(await store.claimIdempotencyKey("k2", T0 + LOCK, T0 + 2 * LOCK)).toEqual({ state: "claimed" });
    await store.releaseIdempotencyKey("k2");
    expect(await store.claimIdempotencyKey("k2", T0 + LOCK + 1, T0 + 2 * LOCK)).toEqual({ state: "claimed" });
  });

  it("does not release a completed response", async () => {
    await store.claimIdempotencyKey("k3", T0, T0 + LOCK);
    await store.saveIdempotentResponse("k3", { statusCode: 202, body: "{}" }, T0 + KEEP);
    await store.releaseIdempotencyKey("k3");
    expect(await store.claimIdempotencyKey("k3", T0 + 1, T0 + 1 + LOCK)).toMatchObject({
      state: "completed",
    });
  });

  it("gives a key to exactly one of many concurrent claims", async () => {
    const claims = await Promise.all(
      Array.from({ length: 8 }, () => store.claimIdempotencyKey("k4", T0, T0 + LOCK)),
    );
    expect(claims.filter((c) => c.state === "claimed")).toHaveLength(1);
    expect(claims.filter((c) => c.state === "locked")).toHaveLength(7);
  });

  it("purges expired keys and reports how many", async () => {
    const now = T0 + 10 * KEEP;
    await store.claimIdempotencyKey("old-lock", now - LOCK - 1, now - 1);
    await store.claimIdempotencyKey("live-lock", now, now + LOCK);
    await store.saveIdempotentResponse("old-response", { statusCode: 200, body: "{}" }, now);
    await store.saveIdempotentResponse("live-response", { statusCode: 200, body: "{}" }, now + 1);
    const purged = await store.purgeExpiredIdempotencyKeys(now);
    // old-lock, old-response, plus every key of the earlier tests (all expired by now).
    expect(purged).toBeGreaterThanOrEqual(2);
    expect(await store.purgeExpiredIdempotencyKeys(now)).toBe(0);
    expect(await store.claimIdempotencyKey("live-lock", now, now + LOCK)).toMatchObject({ state: "locked" });
    expect(await store.claimIdempotencyKey("live-response", now, now + LOCK)).toMatchObject({
      state: "completed",
    });
  });
});
