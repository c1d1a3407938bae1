import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ApplicationId, EndpointId } from "../../src/domain/ids.js";
import { MessageStatus, TriggerType, type Endpoint, type Message } from "../../src/domain/types.js";
import type { ClaimedDelivery, Store } from "../../src/store/store.js";
import { BACKENDS, openStoreOn, openTestStore, type TestDatabase } from "../helpers/databases.js";
import { aMessage, aSecret, anApplication, anEndpoint, anOutcome, T0 } from "./builders.js";
import { rawRows } from "./raw.js";

const LEASE = 30_000;

describe.each(BACKENDS)("delivery queue (%s)", (backend) => {
  let store: Store;
  let database: TestDatabase;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ store, database, cleanup } = await openTestStore(backend));
  });
  afterAll(() => cleanup());

  /** Drains everything due at any time, so a test starts with an empty queue. */
  async function drainQueue(): Promise<void> {
    const far = T0 + 10 ** 12;
    for (let claimed = await store.claimDueDeliveries(1000, far, far + 1); claimed.length > 0;) {
      await store.completeDeliveries(
        claimed.map((c) => anOutcome(c.delivery, { nextStatus: MessageStatus.Canceled })),
        far,
      );
      claimed = await store.claimDueDeliveries(1000, far, far + 1);
    }
  }

  async function appWithEndpoints(count: number, overrides: Partial<Endpoint> = {}) {
    const app = anApplication();
    await store.createApplication(app);
    const endpoints: Endpoint[] = [];
    for (let i = 0; i < count; i++) {
      const endpoint = anEndpoint(app.id, overrides);
      await store.createEndpoint(endpoint, aSecret());
      endpoints.push(endpoint);
    }
    return { app, endpoints };
  }

  async function send(appId: ApplicationId, count = 1, at = T0): Promise<Message[]> {
    const messages = Array.from({ length: count }, () => aMessage(appId, {}, at));
    await store.acceptMessages(
      messages.map((message) => ({ message, idempotencyKey: null })),
      at,
    );
    return messages;
  }

  describe("claim", () => {
    beforeEach(drainQueue);

    it("leases each delivery for its endpoint's timeout plus extraMs when asked, never past leaseUntil", async () => {
      const quick = await appWithEndpoints(1, { timeoutSeconds: 2 });
      const slow = await appWithEndpoints(1, { timeoutSeconds: 60 });
      await send(quick.app.id);
      await send(slow.app.id);
      const now = T0 + 1;
      const claimed = await store.claimDueDeliveries(10, now, now + 30_000, { extraMs: 1_000 });
      const leaseOf = (endpointId: EndpointId) =>
        claimed.find((c) => c.delivery.endpointId === endpointId)?.delivery.leaseUntil;
      expect(leaseOf(quick.endpoints[0]!.id)).toBe(now + 2_000 + 1_000);
      expect(leaseOf(slow.endpoints[0]!.id)).toBe(now + 30_000);
      // The quick endpoint's delivery is due again right after its own lease.
      expect(await store.claimDueDeliveries(10, now + 3_001, now + 3_001 + LEASE)).toHaveLength(1);
    });

    it("leases due deliveries with their message, endpoint and application, oldest due first", async () => {
      const { app, endpoints } = await appWithEndpoints(1);
      const [late] = await send(app.id, 1, T0 + 10);
      const [early] = await send(app.id, 1, T0);
      expect(await store.claimDueDeliveries(10, T0 - 1, T0 + LEASE)).toEqual([]);
      const claimed = await store.claimDueDeliveries(1, T0 + 10, T0 + 10 + LEASE);
      expect(claimed).toHaveLength(1);
      const [first] = claimed as [ClaimedDelivery];
      expect(first.message).toEqual(early);
      expect(first.endpoint).toEqual(endpoints[0]);
      expect(first.application).toEqual(app);
      expect(first.delivery).toMatchObject({
        messageId: early!.id,
        endpointId: endpoints[0]!.id,
        appId: app.id,
        status: MessageStatus.Pending,
        trigger: TriggerType.Scheduled,
        attemptCount: 0,
        leaseUntil: T0 + 10 + LEASE,
      });
      const [second] = await store.claimDueDeliveries(10, T0 + 10, T0 + 10 + LEASE);
      expect(second?.message.id).toBe(late!.id);
      expect(await store.claimDueDeliveries(10, T0 + 20, T0 + 20 + LEASE)).toEqual([]);
    });

    it("never hands the same delivery to two concurrent claims, even from two store instances", async () => {
      const { app } = await appWithEndpoints(2);
      await send(app.id, 100);
      const second = openStoreOn(database);
      try {
        const claims = await Promise.all([
          store.claimDueDeliveries(60, T0, T0 + LEASE),
          second.claimDueDeliveries(60, T0, T0 + LEASE),
          store.claimDueDeliveries(60, T0, T0 + LEASE),
          second.claimDueDeliveries(60, T0, T0 + LEASE),
        ]);
        const ids = claims.flat().map((c) => c.delivery.id);
        expect(ids).toHaveLength(200);
        expect(new Set(ids).size).toBe(200);
      } finally {
        await second.close();
      }
    });

    it("makes a delivery claimable again once its lease expires; nextDueAt reports the lease end", async () => {
      const { app } = await appWithEndpoints(1);
      await send(app.id);
      expect(await store.nextDueAt()).toBe(T0);
      const [claimed] = await store.claimDueDeliveries(10, T0, T0 + LEASE);
      expect(claimed).toBeDefined();
      expect(await store.nextDueAt()).toBe(T0 + LEASE);
      expect(await store.claimDueDeliveries(10, T0 + LEASE - 1, T0 + 2 * LEASE)).toEqual([]);
      const [again] = await store.claimDueDeliveries(10, T0 + LEASE + 1, T0 + 2 * LEASE);
      expect(again?.delivery.id).toBe(claimed?.delivery.id);
    });

    it("reports what comes due next with a claim that took fewer than it could, and nothing with a full one", async () => {
      const { app } = await appWithEndpoints(1);
      await send(app.id, 3);
      await send(app.id, 1, T0 + 5_000);
      // A full batch: more may be due, so no next due time.
      const full = await store.claimDueDeliveriesAndNextDue(2, T0, T0 + LEASE);
      expect(full.claimed).toHaveLength(2);
      expect(full.full).toBe(true);
      expect(full.nextDueAt).toBeNull();
      // The last due one: the later message comes next, before any lease ends.
      const partial = await store.claimDueDeliveriesAndNextDue(10, T0 + 1, T0 + 1 + LEASE);
      expect(partial.claimed).toHaveLength(1);
      expect(partial.full).toBe(false);
      expect(partial.nextDueAt).toBe(T0 + 5_000);
      // Nothing due: the next due time is the earliest lease end once the later message is leased too.
      await store.claimDueDeliveriesAndNextDue(10, T0 + 5_000, T0 + 5_000 + LEASE);
      expect(await store.claimDueDeliveriesAndNextDue(10, T0 + 5_001, T0 + 5_001 + LEASE)).toEqual({
        claimed: [],
        full: false,
        nextDueAt: T0 + LEASE,
      });
    });

    it("releases leases without an attempt, only while the lease is still the one given back", async () => {
      const { app } = await appWithEndpoints(2);
      await send(app.id);
      const [first, second] = await store.claimDueDeliveries(10, T0, T0 + LEASE);
      await store.releaseDeliveries(
        [
          { deliveryId: first!.delivery.id, leaseUntil: T0 + LEASE, nextAttemptAt: T0 + 50 },
          // A stale lease (the delivery was claimed again since): left alone.
          { deliveryId: second!.delivery.id, leaseUntil: T0 + LEASE - 1, nextAttemptAt: T0 + 50 },
        ],
        T0 + 10,
      );
      expect(await store.nextDueAt()).toBe(T0 + 50);
      const again = await store.claimDueDeliveries(10, T0 + 50, T0 + 50 + LEASE);
      expect(again.map((c) => c.delivery.id)).toEqual([first!.delivery.id]);
      expect(again[0]?.delivery.attemptCount).toBe(0);
      await store.releaseDeliveries([], T0);
    });

    it("cancels deliveries that can no longer be sent instead of returning them", async () => {
      const { app, endpoints } = await appWithEndpoints(3);
      const [message] = await send(app.id);
      const [expunged] = await send(app.id);
      await store.deleteEndpoint(app.id, endpoints[0]!.id, T0);
      await store.updateEndpoint({ ...endpoints[1]!, disabled: true });
      await store.expungeMessageContent(app.id, expunged!.id);

      const claimed = await store.claimDueDeliveries(10, T0, T0 + LEASE);
      expect(claimed.map((c) => [c.message.id, c.endpoint.id])).toEqual([[message!.id, endpoints[2]!.id]]);
      const rows = await rawRows<{ status: number; n: number | string }>(
        database,
        `SELECT status, count(*) AS n FROM deliveries WHERE app_id = '${app.id}' GROUP BY status ORDER BY status`,
      );
      expect(rows.map((r) => [r.status, Number(r.n)])).toEqual([
        [MessageStatus.Pending, 1],
        [MessageStatus.Canceled, 5],
      ]);
      expect(await store.claimDueDeliveries(10, T0 + 10 * LEASE, T0 + 11 * LEASE)).toHaveLength(1);
    });

    it("cancels deliveries of a deleted application and of expired payloads", async () => {
      const { app: deletedApp } = await appWithEndpoints(1);
      await send(deletedApp.id);
      await store.deleteApplication(deletedApp.id, T0);
      const { app } = await appWithEndpoints(1);
      const expiring = aMessage(app.id, { payloadExpiresAt: T0 + 1000 });
      await store.acceptMessages([{ message: expiring, idempotencyKey: null }], T0);
      expect(await store.claimDueDeliveries(10, T0 + 1000, T0 + 1000 + LEASE)).toEqual([]);
      expect(await store.nextDueAt()).toBeNull();
    });
  });

  describe("accept and lease", () => {
    beforeEach(drainQueue);

    /** The accept's results, and what it handed on (checked to be handed on exactly once). */
    async function acceptAndLease(
      requests: Parameters<Store["acceptMessagesAndLease"]>[0],
      now: number,
      lease: Parameters<Store["acceptMessagesAndLease"]>[2],
    ) {
      const handedOn: ClaimedDelivery[][] = [];
      const results = await store.acceptMessagesAndLease(requests, now, lease, (leased) =>
        handedOn.push(leased),
      );
      expect(handedOn).toHaveLength(1);
      return { results, leased: handedOn[0]! };
    }

    it("leases up to the limit of the new deliveries in the accept, as a claim would, and queues the rest", async () => {
      const { app, endpoints } = await appWithEndpoints(3, { timeoutSeconds: 2 });
      const messages = [aMessage(app.id, {}, T0), aMessage(app.id, {}, T0)];
      const { results, leased } = await acceptAndLease(
        messages.map((message) => ({ message, idempotencyKey: null })),
        T0,
        { limit: 4, leaseUntil: T0 + LEASE, leaseByTimeout: { extraMs: 1_000 } },
      );
      expect(results.map((result) => result.kind)).toEqual(["accepted", "accepted"]);
      // The first four of the six, in the batch's order, each with what sending it needs.
      expect(leased).toHaveLength(4);
      expect(leased.map((c) => c.message.id)).toEqual([
        messages[0]!.id,
        messages[0]!.id,
        messages[0]!.id,
        messages[1]!.id,
      ]);
      for (const claimed of leased) {
        expect(claimed.application).toEqual(app);
        expect(claimed.endpoint).toEqual(endpoints.find((e) => e.id === claimed.delivery.endpointId));
        expect(claimed.message).toEqual(messages.find((m) => m.id === claimed.delivery.messageId));
        expect(claimed.delivery).toMatchObject({
          status: MessageStatus.Pending,
          attemptCount: 0,
          leaseUntil: T0 + 2_000 + 1_000,
          nextAttemptAt: T0 + 2_000 + 1_000,
        });
      }
      // The two not leased are due now; the leased ones only once their leases end (as after a crash).
      const now = await store.claimDueDeliveries(10, T0, T0 + LEASE);
      expect(now.map((c) => c.message.id)).toEqual([messages[1]!.id, messages[1]!.id]);
      const afterLeases = await store.claimDueDeliveries(10, T0 + 3_001, T0 + 3_001 + LEASE);
      expect(new Set(afterLeases.map((c) => c.delivery.id))).toEqual(
        new Set(leased.map((c) => c.delivery.id)),
      );
    });

    it("leases nothing for a replay or a duplicate, and counts the accept as acceptMessages does", async () => {
      const { app } = await appWithEndpoints(1);
      const original = aMessage(app.id, { eventId: "evt-lease" }, T0);
      const lease = { limit: 10, leaseUntil: T0 + LEASE };
      const first = await acceptAndLease([{ message: original, idempotencyKey: "lease-key" }], T0, lease);
      expect(first.leased).toHaveLength(1);
      expect(first.leased[0]!.delivery.leaseUntil).toBe(T0 + LEASE);
      const before = { ...store.metrics };
      const again = await acceptAndLease(
        [
          { message: aMessage(app.id, {}, T0), idempotencyKey: "lease-key" },
          { message: aMessage(app.id, { eventId: "evt-lease" }, T0), idempotencyKey: null },
        ],
        T0,
        lease,
      );
      expect(again.results.map((result) => result.kind)).toEqual(["replayed", "duplicate_event_id"]);
      expect(again.leased).toEqual([]);
      expect(store.metrics.acceptedMessages).toBe(before.acceptedMessages);
      expect(await store.claimDueDeliveries(10, T0, T0 + LEASE)).toEqual([]);
    });
  });

  describe("complete", () => {
    beforeEach(drainQueue);

    it("writes attempts, reschedules or finishes deliveries, disables endpoints and counts stats", async () => {
      const { app, endpoints } = await appWithEndpoints(2);
      const [message] = await send(app.id);
      const claimed = await store.claimDueDeliveries(10, T0, T0 + LEASE);
      const ok = claimed.find((c) => c.endpoint.id === endpoints[0]!.id)!;
      const gone = claimed.find((c) => c.endpoint.id === endpoints[1]!.id)!;
      const retryAt = T0 + 5000;
      await store.completeDeliveries(
        [
          anOutcome(ok.delivery, { attempt: { responseDurationMs: 40 } }, T0 + 1),
          anOutcome(
            gone.delivery,
            {
              attempt: {
                status: MessageStatus.Fail,
                responseStatusCode: 410,
                responseDurationMs: 60,
                nextAttemptAt: retryAt,
              },
              nextStatus: MessageStatus.Pending,
              nextAttemptAt: retryAt,
              disableEndpoint: true,
            },
            T0 + 2,
          ),
        ],
        T0 + 100,
      );

      const deliveries = await rawRows<{
        endpoint_id: string;
        status: number;
        attempt_count: number;
        lease_until: number | null;
        next_attempt_at: number | string | null;
        last_status_code: number;
      }>(database, `SELECT * FROM deliveries WHERE message_id = '${message!.id}' ORDER BY endpoint_id`);
      const byEndpoint = new Map(deliveries.map((d) => [d.endpoint_id, d]));
      expect(byEndpoint.get(ok.endpoint.id)).toMatchObject({
        status: MessageStatus.Success,
        attempt_count: 1,
        lease_until: null,
        last_status_code: 200,
      });
      expect(byEndpoint.get(gone.endpoint.id)).toMatchObject({
        status: MessageStatus.Pending,
        attempt_count: 1,
        lease_until: null,
        last_status_code: 410,
      });
      expect(Number(byEndpoint.get(gone.endpoint.id)?.next_attempt_at)).toBe(retryAt);
      expect((await store.getEndpoint(app.id, gone.endpoint.id))?.disabled).toBe(true);
      expect((await store.getEndpoint(app.id, ok.endpoint.id))?.disabled).toBe(false);

      const attempts = await store.listAttempts(
        app.id,
        {
          endpointId: null,
          messageId: message!.id,
          status: null,
          statusCodeClass: null,
          channel: null,
          eventTypes: null,
          before: null,
          after: null,
        },
        { limit: 10, order: "desc", cursor: null, backward: false },
      );
      expect(attempts.items.map((a) => a.responseStatusCode).sort()).toEqual([200, 410]);

      const stats = await rawRows<{
        endpoint_id: string;
        bucket_start: number | string;
        successes: number;
        failures: number;
        latency_sum_ms: number | string;
      }>(
        database,
        `SELECT * FROM endpoint_stats WHERE endpoint_id IN ('${ok.endpoint.id}', '${gone.endpoint.id}') ORDER BY endpoint_id`,
      );
      const statsOf = (id: EndpointId) => stats.find((s) => s.endpoint_id === id);
      expect(statsOf(ok.endpoint.id)).toMatchObject({ successes: 1, failures: 0 });
      expect(Number(statsOf(ok.endpoint.id)?.latency_sum_ms)).toBe(40);
      expect(Number(statsOf(ok.endpoint.id)?.bucket_start)).toBe(T0);
      expect(statsOf(gone.endpoint.id)).toMatchObject({ successes: 0, failures: 1 });

      // The rescheduled delivery comes due at retryAt... but its endpoint is disabled now, so it is canceled.
      expect(await store.claimDueDeliveries(10, retryAt, retryAt + LEASE)).toEqual([]);
    });

    it("adds to an existing stats bucket", async () => {
      const { app, endpoints } = await appWithEndpoints(1);
      await send(app.id, 3);
      const claimed = await store.claimDueDeliveries(10, T0, T0 + LEASE);
      await store.completeDeliveries([anOutcome(claimed[0]!.delivery, {}, T0 + 1)], T0 + 1);
      await store.completeDeliveries(
        [
          anOutcome(claimed[1]!.delivery, {}, T0 + 2),
          anOutcome(
            claimed[2]!.delivery,
            { attempt: { status: MessageStatus.Fail, responseStatusCode: 500 } },
            T0 + 3,
          ),
        ],
        T0 + 3,
      );
      const [bucket] = await rawRows<{
        successes: number;
        failures: number;
        latency_sum_ms: number | string;
      }>(database, `SELECT * FROM endpoint_stats WHERE endpoint_id = '${endpoints[0]!.id}'`);
      expect(bucket).toMatchObject({ successes: 2, failures: 1 });
      expect(Number(bucket?.latency_sum_ms)).toBe(36);
    });
  });

  describe("manual deliveries and recovery", () => {
    beforeEach(drainQueue);

    it("queues manual deliveries as their own rows, due now", async () => {
      const { app, endpoints } = await appWithEndpoints(1);
      const [message] = await send(app.id);
      const first = await store.claimDueDeliveries(10, T0, T0 + LEASE);
      await store.completeDeliveries([anOutcome(first[0]!.delivery)], T0);

      const ids = await store.enqueueManualDeliveries(
        [{ appId: app.id, messageId: message!.id, endpointId: endpoints[0]!.id }],
        T0 + 1000,
      );
      expect(ids).toHaveLength(1);
      const [manual] = await store.claimDueDeliveries(10, T0 + 1000, T0 + 1000 + LEASE);
      expect(manual?.delivery).toMatchObject({ id: ids[0], trigger: TriggerType.Manual, attemptCount: 0 });
      expect(await store.enqueueManualDeliveries([], T0)).toEqual([]);
    });

    it("lists messages whose deliveries failed in a window with no success since", async () => {
      const { app, endpoints } = await appWithEndpoints(1);
      const endpointId = endpoints[0]!.id;
      const messages = await send(app.id, 4);
      const claimed = await store.claimDueDeliveries(10, T0, T0 + LEASE);
      const byMessage = (m: Message) => claimed.find((c) => c.message.id === m.id)!.delivery;
      const fail = { attempt: { status: MessageStatus.Fail, responseStatusCode: 500 } };
      await store.completeDeliveries(
        [
          anOutcome(byMessage(messages[0]!), fail, T0 + 1000), // failed: listed
          anOutcome(byMessage(messages[1]!), fail, T0 + 1000), // failed, then succeeded below: not listed
          anOutcome(byMessage(messages[2]!), {}, T0 + 1000), // succeeded
          anOutcome(
            byMessage(messages[3]!),
            { ...fail, nextStatus: MessageStatus.Pending, nextAttemptAt: T0 + 10 ** 9 },
            T0 + 1000,
          ), // retrying
        ],
        T0 + 1000,
      );
      await store.enqueueManualDeliveries(
        [{ appId: app.id, messageId: messages[1]!.id, endpointId }],
        T0 + 2000,
      );
      const [resend] = await store.claimDueDeliveries(10, T0 + 2000, T0 + 2000 + LEASE);
      await store.completeDeliveries(
        [anOutcome(resend!.delivery, { attempt: { trigger: TriggerType.Manual } }, T0 + 2000)],
        T0 + 2000,
      );

      expect(await store.listFailedMessageIds(endpointId, T0, T0 + 5000, null, 10)).toEqual([
        messages[0]!.id,
      ]);
      expect(await store.listFailedMessageIds(endpointId, T0 + 1001, T0 + 5000, null, 10)).toEqual([]);
      expect(await store.listFailedMessageIds(endpointId, T0, T0 + 5000, messages[0]!.id, 10)).toEqual([]);
    });
  });
});
