/**
 * `GET /api/v1/app/{app_id}/stats` (Herald's addition): an application's delivery health from the per-minute
 * counters, checked against what real receivers (one fast, one slow, one failing) really got, on every backend.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MessageAttemptOut } from "../../src/http/schemas/attempts.js";
import type { ListResponse } from "../../src/http/schemas/common.js";
import type { AppStatsOut } from "../../src/http/schemas/stats.js";
import { BACKENDS } from "../helpers/databases.js";
import { startTestHerald, type TestHerald } from "../helpers/herald.js";
import { rawCall } from "../helpers/raw-api.js";
import { startReceiver, type Receiver } from "../helpers/receiver.js";
import { createRawEndpoint, eventually } from "./delivery-fixtures.js";

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/**
 * How long the slow receiver waits before answering: far above what a fast send takes even on a loaded CI machine
 * (sends of ~750 ms were seen with the whole suite and a browser sharing 2 cores), so the two never overlap.
 */
const SLOW_MS = 1_200;
/** The upper bound of the latency-histogram bucket SLOW_MS falls in (see domain/delivery-stats.ts). */
const SLOW_BUCKET_BOUND_MS = 2_500;

describe.each(BACKENDS)("application stats on %s", (backend) => {
  let herald: TestHerald;
  const receivers: Receiver[] = [];
  let appId: string;
  /** fast, slow, failing, disabled: in creation order. */
  let endpointIds: string[];

  const stats = async (query = "", app = appId) => {
    const response = await rawCall(herald, "GET", `/api/v1/app/${app}/stats${query ? `?${query}` : ""}`);
    expect(response.status, response.text).toBe(200);
    return response.json as AppStatsOut;
  };
  const statsError = async (query: string) => {
    const response = await rawCall(herald, "GET", `/api/v1/app/${appId}/stats?${query}`);
    return { status: response.status, body: response.json };
  };
  const newestAttempt = async (endpointId: string) => {
    const response = await rawCall(
      herald,
      "GET",
      `/api/v1/app/${appId}/attempt?endpoint_id=${endpointId}&limit=1`,
    );
    return (response.json as ListResponse<MessageAttemptOut>).data[0]!;
  };

  beforeAll(async () => {
    herald = await startTestHerald({ backend, config: { role: "all", deliveryPollMs: 200 } });
    const fast = await startReceiver();
    const slow = await startReceiver(() => ({ delayMs: SLOW_MS }));
    const failing = await startReceiver(() => ({ status: 503, body: "down" }));
    receivers.push(fast, slow, failing);
    appId = (await herald.svix.application.create({ name: "Health" })).id;
    endpointIds = [];
    for (const body of [
      { url: `${fast.url}/fast` },
      { url: `${slow.url}/slow` },
      { url: `${failing.url}/failing`, uid: "failing-hook", retrySchedule: [] },
      { url: `${fast.url}/disabled`, disabled: true },
    ]) {
      endpointIds.push((await createRawEndpoint(herald, appId, body)).id);
    }
    for (const eventType of [
      "user.created",
      "order.paid",
      "user.created",
      "user.created",
      "order.paid",
      "user.created",
    ])
      await herald.svix.message.create(appId, { eventType, payload: { eventType } });
    await Promise.all([fast.waitFor(6), slow.waitFor(6, 10_000), failing.waitFor(6)]);
    // Outcomes are written in batches after the receivers answer.
    await eventually(async () => {
      const { totals } = await stats();
      return totals.successes + totals.failures === 18;
    });
  });

  afterAll(async () => {
    await Promise.all(receivers.map((receiver) => receiver.close()));
    await herald?.stop();
  });

  it("totals the window's attempts: counts, success rate, mean and p95", async () => {
    const { totals } = await stats();
    expect(totals).toMatchObject({ successes: 12, failures: 6, successRate: 12 / 18 });
    // Six of eighteen attempts took at least SLOW_MS; the rest were local and quick.
    expect(totals.avgDurationMs).toBeGreaterThanOrEqual((6 * SLOW_MS) / 18);
    expect(totals.avgDurationMs).toBeLessThan(SLOW_MS);
    // The p95 is a slow attempt: at least SLOW_MS, at most its histogram bucket's bound.
    expect(totals.p95DurationMs).toBeGreaterThanOrEqual(SLOW_MS);
    expect(totals.p95DurationMs).toBeLessThanOrEqual(SLOW_BUCKET_BOUND_MS);
  });

  it("lists every live endpoint with its totals and last attempt", async () => {
    const { endpoints } = await stats();
    expect(endpoints.map((e) => e.endpointId)).toEqual(endpointIds);
    const [fast, slow, failing, disabled] = endpoints;
    expect(fast).toMatchObject({ successes: 6, failures: 0, successRate: 1 });
    expect(fast!.p95DurationMs).toBeLessThan(SLOW_MS);
    expect(slow).toMatchObject({ successes: 6, failures: 0, successRate: 1 });
    expect(slow!.avgDurationMs).toBeGreaterThanOrEqual(SLOW_MS);
    expect(slow!.p95DurationMs).toBeGreaterThanOrEqual(SLOW_MS);
    expect(slow!.p95DurationMs).toBeLessThanOrEqual(SLOW_BUCKET_BOUND_MS);
    expect(failing).toMatchObject({ successes: 0, failures: 6, successRate: 0 });
    expect(disabled).toEqual({
      endpointId: endpointIds[3],
      successes: 0,
      failures: 0,
      successRate: null,
      avgDurationMs: null,
      p95DurationMs: null,
      lastAttempt: null,
    });

    for (const [index, statusText, code] of [
      [0, "success", 200],
      [2, "fail", 503],
    ] as const) {
      const newest = await newestAttempt(endpointIds[index]!);
      expect(endpoints[index]!.lastAttempt).toEqual({
        id: newest.id,
        msgId: newest.msgId,
        timestamp: newest.timestamp,
        status: newest.status,
        statusText,
        responseStatusCode: code,
      });
    }
  });

  it("counts the window's messages by event type, most frequent first", async () => {
    expect((await stats()).eventTypes).toEqual([
      { eventType: "user.created", count: 4 },
      { eventType: "order.paid", count: 2 },
    ]);
    const until = new Date().toISOString();
    expect((await stats(`since=${until}&until=${until}`)).eventTypes).toEqual([]);
  });

  it("cuts the default 24 hours into 30-minute buckets aligned to the clock, empty ones included", async () => {
    const result = await stats();
    const until = Date.parse(result.until);
    expect(until - Date.parse(result.since)).toBe(DAY_MS);
    expect(result.bucketSeconds).toBe(1_800);
    const first = Math.floor(Date.parse(result.since) / 1_800_000) * 1_800_000;
    const expected: string[] = [];
    for (let start = first; start <= until; start += 1_800_000) expected.push(new Date(start).toISOString());
    expect(result.series.map((bucket) => bucket.start)).toEqual(expected);
    const sum = (key: "successes" | "failures") => result.series.reduce((total, b) => total + b[key], 0);
    expect([sum("successes"), sum("failures")]).toEqual([12, 6]);
    const empty = result.series.find((bucket) => bucket.successes + bucket.failures === 0);
    expect(empty).toMatchObject({ successRate: null, avgDurationMs: null, p95DurationMs: null });
  });

  it("takes a window and a bucket width", async () => {
    const until = Date.now();
    const since = until - 10 * MINUTE_MS;
    const result = await stats(
      `since=${new Date(since).toISOString()}&until=${new Date(until).toISOString()}&bucket_seconds=60`,
    );
    expect(result).toMatchObject({
      since: new Date(since).toISOString(),
      until: new Date(until).toISOString(),
      bucketSeconds: 60,
    });
    const firstMinute = since - (since % MINUTE_MS);
    expect(result.series.map((bucket) => Date.parse(bucket.start))).toEqual(
      Array.from({ length: 11 }, (_, i) => firstMinute + i * MINUTE_MS),
    );
    expect(result.totals.successes + result.totals.failures).toBe(18);
    // A window before anything happened counts nothing.
    const before = await stats(`until=${new Date(Date.now() - DAY_MS).toISOString()}`);
    expect(before.totals).toMatchObject({ successes: 0, failures: 0, successRate: null });
  });

  it("narrows totals and series to one endpoint, by id or uid, and still lists every endpoint", async () => {
    const byUid = await stats("endpoint_id=failing-hook");
    expect(byUid.totals).toMatchObject({ successes: 0, failures: 6, successRate: 0 });
    expect(byUid.series.reduce((total, b) => total + b.failures + b.successes, 0)).toBe(6);
    expect(byUid.endpoints).toHaveLength(4);
    const byId = await stats(`endpoint_id=${endpointIds[1]}`);
    expect(byId.totals).toMatchObject({ successes: 6, failures: 0 });
  });

  it("refuses windows it cannot answer", async () => {
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    const range = { status: 400, body: { code: "invalid_range" } };
    expect(await statsError(`until=${iso(now + DAY_MS)}`)).toMatchObject(range);
    expect(await statsError(`since=${iso(now - MINUTE_MS)}&until=${iso(now - 2 * MINUTE_MS)}`)).toMatchObject(
      range,
    );
    expect(await statsError(`since=${iso(now - 29 * DAY_MS)}`)).toMatchObject(range);
    const field = (name: string) => ({ status: 422, body: { detail: [{ loc: ["query", name] }] } });
    expect(await statsError("since=yesterday")).toMatchObject(field("since"));
    expect(await statsError("bucket_seconds=90")).toMatchObject(field("bucket_seconds"));
    expect(await statsError(`since=${iso(now - 28 * DAY_MS)}&bucket_seconds=60`)).toMatchObject(
      field("bucket_seconds"),
    );
    expect(await statsError("endpoint_id=ep_unknown")).toMatchObject({
      status: 404,
      body: { code: "not_found" },
    });
    const unknownApp = await rawCall(herald, "GET", "/api/v1/app/app_unknown/stats");
    expect(unknownApp.status).toBe(404);
  });

  it("answers an application without deliveries with empty figures", async () => {
    const quiet = (await herald.svix.application.create({ name: "Quiet" })).id;
    const result = await stats("", quiet);
    expect(result.totals).toEqual({
      successes: 0,
      failures: 0,
      successRate: null,
      avgDurationMs: null,
      p95DurationMs: null,
    });
    expect(result.endpoints).toEqual([]);
    expect(result.eventTypes).toEqual([]);
    expect(result.series.every((bucket) => bucket.successes + bucket.failures === 0)).toBe(true);
  });

  it("counts test sends like any attempt, success or failure", async () => {
    // An application of its own: the counts above stay as the other tests expect them.
    const tested = (await herald.svix.application.create({ name: "Tested" })).id;
    const broken = await startReceiver(() => ({ status: 500, body: "broken" }));
    receivers.push(broken);
    const [fast] = receivers;
    const up = await createRawEndpoint(herald, tested, { url: `${fast!.url}/tested` });
    const down = await createRawEndpoint(herald, tested, { url: `${broken.url}/tested` });
    const testSend = async (endpointId: string) => {
      const response = await rawCall(herald, "POST", `/api/v1/app/${tested}/endpoint/${endpointId}/test`, {
        body: { eventType: "svix.ping" },
      });
      expect(response.status, response.text).toBe(200);
      return response.json as { statusCode: number; attemptId: string };
    };
    expect((await testSend(up.id)).statusCode).toBe(200);
    const failed = await testSend(down.id);
    expect(failed.statusCode).toBe(500);

    // Recorded with the attempt, in the same transaction: no waiting for an outcome batch.
    const result = await stats("", tested);
    expect(result.totals).toMatchObject({ successes: 1, failures: 1, successRate: 0.5 });
    expect(result.totals.avgDurationMs).not.toBeNull();
    expect(result.totals.p95DurationMs).not.toBeNull();
    const [upStats, downStats] = result.endpoints;
    expect(upStats).toMatchObject({ endpointId: up.id, successes: 1, failures: 0, successRate: 1 });
    expect(downStats).toMatchObject({ endpointId: down.id, successes: 0, failures: 1, successRate: 0 });
    expect(downStats!.lastAttempt).toMatchObject({ id: failed.attemptId, responseStatusCode: 500 });
    const sum = (key: "successes" | "failures") => result.series.reduce((total, b) => total + b[key], 0);
    expect([sum("successes"), sum("failures")]).toEqual([1, 1]);

    // A second test in the same minute adds to the bucket rather than replacing it.
    await testSend(up.id);
    expect((await stats(`endpoint_id=${up.id}`, tested)).totals).toMatchObject({ successes: 2, failures: 0 });
  });

  // Last: it deletes an endpoint.
  it("drops a deleted endpoint from the list but keeps its attempts in the totals", async () => {
    await herald.svix.endpoint.delete(appId, endpointIds[2]!);
    const result = await stats();
    expect(result.endpoints.map((e) => e.endpointId)).toEqual([
      endpointIds[0],
      endpointIds[1],
      endpointIds[3],
    ]);
    expect(result.totals).toMatchObject({ successes: 12, failures: 6 });
  });
});
