/**
 * The delivery engine's flow control and lifecycle: per-endpoint caps, rate limits, fairness, draining on stop,
 * sleeping when idle and waking up — on a real store (every backend) with real receivers on 127.0.0.1.
 */
import { describe, expect, it } from "vitest";
import { MessageStatus } from "../../src/domain/types.js";
import { BACKENDS, openStoreOn } from "../helpers/databases.js";
import {
  attemptsOf,
  byPath,
  createApp,
  delay,
  eventually,
  sendMessages,
  useEngineHarness,
} from "./fixtures.js";

describe.each(BACKENDS)("delivery engine flow control (%s)", (backend) => {
  const h = useEngineHarness(backend);

  it("caps concurrent sends per endpoint, not across endpoints", async () => {
    let active = 0;
    let maxActive = 0;
    const activeByPath = new Map<string, number>();
    const maxByPath = new Map<string, number>();
    const rx = await h.receiver(async (request) => {
      active++;
      maxActive = Math.max(maxActive, active);
      const now = (activeByPath.get(request.url) ?? 0) + 1;
      activeByPath.set(request.url, now);
      maxByPath.set(request.url, Math.max(maxByPath.get(request.url) ?? 0, now));
      await delay(80);
      active--;
      activeByPath.set(request.url, (activeByPath.get(request.url) ?? 1) - 1);
      return { status: 200 };
    });
    const { app } = await createApp(h.store, [{ url: `${rx.url}/a` }, { url: `${rx.url}/b` }]);
    await sendMessages(
      h.store,
      app.id,
      Array.from({ length: 9 }, (_, i) => `{"i": ${i}}`),
    );
    h.engine({ perEndpointConcurrency: 3 });

    await rx.waitFor(18);
    expect(maxByPath.get("/a")).toBe(3);
    expect(maxByPath.get("/b")).toBe(3);
    expect(maxActive).toBeGreaterThan(3);
  });

  it("spaces sends to an endpoint with a rate limit", async () => {
    const rx = await h.receiver();
    const { app } = await createApp(h.store, [{ url: `${rx.url}/throttled`, throttleRate: 5 }]);
    await sendMessages(
      h.store,
      app.id,
      Array.from({ length: 6 }, (_, i) => `{"i": ${i}}`),
    );
    h.engine();

    const requests = await rx.waitFor(6, 5_000);
    // One token at once, then one every 200 ms.
    expect(requests[5]!.receivedAt - requests[0]!.receivedAt).toBeGreaterThanOrEqual(900);
  });

  it("keeps a hanging endpoint from starving the others", async () => {
    const rx = await h.receiver((request) =>
      request.url === "/hang" ? { delayMs: 3_000 } : { status: 200 },
    );
    const hanging = await createApp(h.store, [{ url: `${rx.url}/hang`, timeoutSeconds: 5 }]);
    const healthy = await createApp(h.store, [{ url: `${rx.url}/fast` }]);
    // The hanging endpoint's backlog is older, so claims reach it first.
    await sendMessages(
      h.store,
      hanging.app.id,
      Array.from({ length: 40 }, (_, i) => `{"i": ${i}}`),
    );
    await delay(5);
    await sendMessages(
      h.store,
      healthy.app.id,
      Array.from({ length: 5 }, (_, i) => `{"i": ${i}}`),
    );
    const started = Date.now();
    h.engine({ maxInFlight: 8, perEndpointConcurrency: 2, maxLaneWaitMs: 200, drainTimeoutMs: 200 });

    await eventually(() => byPath(rx.requests, "/fast").length === 5, 2_500);
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(byPath(rx.requests, "/hang")).toHaveLength(2);
  });

  it("stop() lets sends in progress finish and records them; two calls share one promise", async () => {
    const rx = await h.receiver(() => ({ delayMs: 300 }));
    const { app } = await createApp(h.store, [{ url: `${rx.url}/slow` }]);
    await sendMessages(
      h.store,
      app.id,
      Array.from({ length: 6 }, (_, i) => `{"i": ${i}}`),
    );
    const running = h.engine({ perEndpointConcurrency: 2 });
    await rx.waitFor(2);

    const stopping = running.stop();
    expect(running.stop()).toBe(stopping);
    await stopping;
    expect(rx.requests).toHaveLength(2);
    const attempts = await attemptsOf(h.store, app.id);
    expect(attempts).toHaveLength(2);
    for (const attempt of attempts) expect(attempt.status).toBe(MessageStatus.Success);
    expect(running.stats()).toEqual({ held: 0, sending: 0, waiting: 0, unwrittenOutcomes: 0 });
  });

  it("stop() gives back the leases of deliveries it did not send", async () => {
    const rx = await h.receiver(() => ({ delayMs: 300 }));
    const { app } = await createApp(h.store, [{ url: `${rx.url}/slow` }]);
    await sendMessages(
      h.store,
      app.id,
      Array.from({ length: 6 }, (_, i) => `{"i": ${i}}`),
    );
    const running = h.engine({ perEndpointConcurrency: 2 });
    await rx.waitFor(2);
    await running.stop();

    const now = Date.now();
    const reclaimed = await h.store.claimDueDeliveries(100, now, now + 1_000);
    expect(reclaimed).toHaveLength(4);
  });

  it("sleeps when idle: one store query per poll interval, and wake() claims at once", async () => {
    const calls: string[] = [];
    const counted = new Proxy(h.store, {
      get(target, property, receiverObject) {
        const value: unknown = Reflect.get(target, property, receiverObject);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          calls.push(String(property));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const rx = await h.receiver();
    const { app } = await createApp(h.store, [{ url: `${rx.url}/idle` }]);
    const running = h.engine({ idlePollMs: 250 }, counted);
    await running.start();
    await delay(1_300);
    // One claim at start (it also reads the next due time), then one check per 250 ms.
    expect(calls.length).toBeLessThanOrEqual(7);
    expect(calls.filter((name) => name === "claimDueDeliveriesAndNextDue")).toHaveLength(1);
    expect(calls.filter((name) => name === "nextDueAt").length).toBeGreaterThanOrEqual(3);

    await running.stop();
    const waking = h.engine({ idlePollMs: 60_000 });
    await waking.start();
    await delay(100);
    await sendMessages(h.store, app.id, ["{}"]);
    // Nothing reaches this engine but its own wake(): on Postgres its store ignores its own NOTIFYs.
    await delay(300);
    expect(rx.requests).toHaveLength(0);
    waking.wake();
    await rx.waitFor(1, 1_000);
  });

  it.runIf(backend === "postgres")(
    "wakes when another process queues deliveries (LISTEN/NOTIFY)",
    async () => {
      const rx = await h.receiver();
      const other = openStoreOn(h.database);
      h.onCleanup(() => other.close());
      const { app } = await createApp(h.store, [{ url: `${rx.url}/notified` }]);
      const running = h.engine({ idlePollMs: 60_000 });
      await running.start();
      await delay(100);

      await sendMessages(other, app.id, ["{}"]);
      await rx.waitFor(1, 2_000);
    },
  );
});
