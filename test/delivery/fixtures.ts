/** Applications, endpoints and engines on a real test store, for the delivery engine's tests. */
import { pino } from "pino";
import { afterEach, beforeEach } from "vitest";
import { parseAllowList } from "../../src/domain/address-policy.js";
import type { ApplicationId, MessageId } from "../../src/domain/ids.js";
import { generateSecret } from "../../src/domain/secrets.js";
import type { Application, Attempt, Endpoint, Message } from "../../src/domain/types.js";
import {
  createDeliveryEngine,
  type DeliveryEngine,
  type DeliveryEngineOptions,
} from "../../src/delivery/engine.js";
import type { AttemptedDestination, Store } from "../../src/store/store.js";
import { openTestStore, type Backend, type TestDatabase } from "../helpers/databases.js";
import {
  startReceiver,
  type ReceivedRequest,
  type Receiver,
  type ReceiverHandler,
} from "../helpers/receiver.js";
import { aMessage, anApplication, anEndpoint } from "../store/builders.js";
export { delay, headerRecord } from "../helpers/receiver.js";

export const silentLog = pino({ level: "silent" });

export interface TestApp {
  app: Application;
  endpoints: Endpoint[];
}

/** An application with one endpoint per entry of `endpoints`, each with a fresh `whsec_` secret. */
export async function createApp(
  store: Store,
  endpoints: Partial<Endpoint>[],
  application: Partial<Application> = {},
): Promise<TestApp> {
  const now = Date.now();
  const app = anApplication(application, now);
  await store.createApplication(app);
  const created: Endpoint[] = [];
  for (const overrides of endpoints) {
    const endpoint = anEndpoint(app.id, overrides, now);
    await store.createEndpoint(endpoint, { key: generateSecret(), createdAt: now, expiresAt: null });
    created.push(endpoint);
  }
  return { app, endpoints: created };
}

/** Accepts one message per payload (in one batch) and returns them. */
export async function sendMessages(
  store: Store,
  appId: ApplicationId,
  payloads: readonly string[],
  overrides: Partial<Message> = {},
): Promise<Message[]> {
  const now = Date.now();
  const messages = payloads.map((payload) => aMessage(appId, { payload, ...overrides }, now));
  const results = await store.acceptMessages(
    messages.map((message) => ({ message, idempotencyKey: null })),
    now,
  );
  for (const result of results)
    if (result.kind !== "accepted") throw new Error(`not accepted: ${result.kind}`);
  return messages;
}

export function startEngine(store: Store, options: Partial<DeliveryEngineOptions> = {}): DeliveryEngine {
  const engine = createDeliveryEngine(
    { store, log: silentLog, now: Date.now, random: Math.random },
    {
      signatureHeaderStyle: "both",
      defaultRetrySchedule: [0.05, 0.05],
      userAgent: "Herald/test",
      allowList: parseAllowList(["127.0.0.1"]).allowList,
      idlePollMs: 200,
      drainTimeoutMs: 2_000,
      ...options,
    },
  );
  void engine.start();
  return engine;
}

export async function attemptsOf(
  store: Store,
  appId: ApplicationId,
  messageId?: MessageId,
): Promise<Attempt[]> {
  const page = await store.listAttempts(
    appId,
    {
      before: null,
      after: null,
      endpointId: null,
      messageId: messageId ?? null,
      status: null,
      statusCodeClass: null,
      channel: null,
      eventTypes: null,
    },
    { limit: 250, order: "asc", cursor: null, backward: false },
  );
  return page.items;
}

export async function destinationsOf(
  store: Store,
  appId: ApplicationId,
  messageId: MessageId,
): Promise<AttemptedDestination[]> {
  const page = await store.listAttemptedDestinations(appId, messageId, {
    limit: 250,
    order: "asc",
    cursor: null,
    backward: false,
  });
  return page.items;
}

/** Polls `check` until it returns a value other than undefined or false. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A fresh store per test, and receivers and engines that are stopped after it (engines first). */
export interface EngineHarness {
  readonly store: Store;
  readonly database: TestDatabase;
  receiver(handler?: ReceiverHandler): Promise<Receiver>;
  engine(options?: Partial<DeliveryEngineOptions>, on?: Store): DeliveryEngine;
  /** Runs `close` after the test, before anything registered earlier. */
  onCleanup(close: () => Promise<void>): void;
}

export function useEngineHarness(backend: Backend): EngineHarness {
  let store: Store | undefined;
  let database: TestDatabase | undefined;
  let cleanupStore: () => Promise<void> = async () => {};
  let closers: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    ({ store, database, cleanup: cleanupStore } = await openTestStore(backend));
    closers = [];
  });

  afterEach(async () => {
    for (const close of closers.reverse()) await close();
    await cleanupStore();
  });

  const harness: EngineHarness = {
    get store() {
      if (!store) throw new Error("no store outside a test");
      return store;
    },
    get database() {
      if (!database) throw new Error("no database outside a test");
      return database;
    },
    async receiver(handler) {
      const started = await startReceiver(handler);
      closers.push(() => started.close());
      return started;
    },
    engine(options = {}, on = harness.store) {
      const started = startEngine(on, options);
      closers.push(() => started.stop());
      return started;
    },
    onCleanup(close) {
      closers.push(close);
    },
  };
  return harness;
}

export function byPath(requests: readonly ReceivedRequest[], path: string): ReceivedRequest[] {
  return requests.filter((request) => request.url === path);
}
