/**
 * Backlog: what one claim costs when many deliveries are pending. A Herald in role `api` (no delivery engine, so
 * nothing else claims) gets a backlog of due deliveries — messages fanned out to ten endpoints, written through
 * the store's own accept path (`acceptMessages`, the transaction group commit uses) in large batches. Then the
 * bench claims as the dispatcher does (its batch size, its lease arguments) and gives each batch straight back
 * with `releaseDeliveries`, due now: the backlog keeps its size, and each claim takes the oldest due deliveries
 * as a real drain would, released ones joining the back of the queue.
 *
 * Measured: each claim's time (the claim statement plus the message, endpoint and application reads that come
 * with it), per claim and per claimed delivery, and each release's. On Postgres twice: as built — the table has
 * never been analyzed, as after a burst into a fresh database until autovacuum gets to it — and again after an
 * ANALYZE, the steady state. The run is void unless every claim got a full batch, no delivery came back before
 * the queue had gone round, and afterwards exactly the backlog is pending, unleased, with no attempt made. The
 * notes show the planner's plan for the claim's due-row selection.
 */
import { DELIVERY_ENGINE_DEFAULTS } from "../../src/delivery/engine.js";
import { MAX_SEND_MS } from "../../src/delivery/endpoint-lanes.js";
import { newId, type ApplicationId, type DeliveryId } from "../../src/domain/ids.js";
import type { EpochMs, Message } from "../../src/domain/types.js";
import type { AcceptRequest, Store } from "../../src/store/store.js";
import { epochMs } from "../clock.js";
import { cpuShares, cpuSnapshot, describeCpu, isNoisy, type CpuShares } from "../cpu-account.js";
import { openDatabaseProbe, type DatabaseProbe, type TableUpkeep } from "../database-probe.js";
import { MACHINE_STALLED, machineStalled } from "../machine-stall.js";
import { api, type Backend, type BenchHerald } from "../harness.js";
import { quantile } from "../load.js";
import { profiled } from "../profiler.js";
import type { Scenario, ScenarioOptions } from "../scenario.js";

/** Pending deliveries by variant; `--quick` builds a smaller large backlog. */
const BACKLOGS: Readonly<Record<string, { full: number; quick: number }>> = {
  "10k": { full: 10_000, quick: 10_000 },
  "1M": { full: 1_000_000, quick: 100_000 },
};
const ENDPOINTS = 10;
const EVENT_TYPE = "invoice.paid";
/** Messages per accept transaction while building: 20,000 deliveries each. */
const MESSAGES_PER_ACCEPT = 2_000;
/**
 * Claims per phase: discarded ones first, then measured ones; each part also ends once its time is up, since a
 * claim whose plan sorts every due row (Postgres before ANALYZE) costs in proportion to the backlog.
 */
const CLAIMS = {
  full: { warmup: 50, warmupMs: 5_000, measured: 1_000, measuredMs: 20_000 },
  quick: { warmup: 10, warmupMs: 500, measured: 100, measuredMs: 1_000 },
};
type ClaimCounts = (typeof CLAIMS)["full"];
const PAYLOAD_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

// The dispatcher's claim, as engine.ts sets it up with the default tuning.
const CLAIM_LIMIT = DELIVERY_ENGINE_DEFAULTS.claimBatchSize;
const LEASE_MS =
  DELIVERY_ENGINE_DEFAULTS.maxLaneWaitMs * 1.25 + MAX_SEND_MS + DELIVERY_ENGINE_DEFAULTS.leaseMarginMs;
const LEASE_BEYOND_TIMEOUT_MS =
  DELIVERY_ENGINE_DEFAULTS.maxLaneWaitMs * 1.25 + DELIVERY_ENGINE_DEFAULTS.leaseMarginMs;

/**
 * The 10k row's median claim per backend, as built and after ANALYZE (NaN on SQLite), for the 1M row's ratios:
 * run.ts runs a scenario's variants in order, against fresh Heralds.
 */
const smallBacklogClaimMs = new Map<Backend, { asBuilt: number; analyzedP50: number }>();

function payload(seq: number): string {
  return `{"invoice":{"id":"in_${seq}","amount":4200,"currency":"eur","customer":"cus_8Kq2mD0x","lines":[{"sku":"pro-monthly","qty":1}]}}`;
}

async function createApplication(bench: BenchHerald): Promise<ApplicationId> {
  await api(bench, "POST", "/api/v1/event-type", { name: EVENT_TYPE, description: "An invoice was paid" });
  const app = await api(bench, "POST", "/api/v1/app", { name: "Backlog app" });
  const appId = String(app["id"]) as ApplicationId;
  // Nothing is sent (no engine runs), so the URLs only need to be valid.
  for (let index = 1; index <= ENDPOINTS; index++) {
    await api(bench, "POST", `/api/v1/app/${appId}/endpoint`, {
      url: `http://127.0.0.1:9/hook/${index}`,
      description: `endpoint ${index}`,
    });
  }
  return appId;
}

/** Writes `deliveries` pending deliveries (messages × ENDPOINTS) through the store's accept path. */
async function buildBacklog(store: Store, appId: ApplicationId, deliveries: number): Promise<void> {
  const messages = Math.ceil(deliveries / ENDPOINTS);
  for (let first = 0; first < messages; first += MESSAGES_PER_ACCEPT) {
    const now = Date.now() as EpochMs;
    const batch: AcceptRequest[] = [];
    for (let seq = first; seq < Math.min(messages, first + MESSAGES_PER_ACCEPT); seq++) {
      const message: Message = {
        id: newId("message", now),
        appId,
        eventType: EVENT_TYPE,
        eventId: null,
        channels: null,
        payload: payload(seq),
        payloadExpiresAt: now + PAYLOAD_RETENTION_MS,
        createdAt: now,
      };
      batch.push({ message, idempotencyKey: null });
    }
    const results = await store.acceptMessages(batch, now);
    const fannedOut = results.reduce(
      (sum, result) => sum + (result.kind === "accepted" ? result.deliveries : Number.NaN),
      0,
    );
    if (fannedOut !== batch.length * ENDPOINTS)
      throw new Error(`backlog: a batch of ${batch.length} messages queued ${fannedOut} deliveries`);
  }
}

interface ClaimTimings {
  /** Warm-up claims, not timed. */
  discarded: number;
  claimMs: Float64Array;
  releaseMs: Float64Array;
  problems: string[];
}

/**
 * Claims and releases, untimed during the warm-up, then timed (see CLAIMS). A delivery seen again sooner than
 * the queue can have gone round means the claim did not take the oldest due deliveries, or a release misplaced
 * one.
 */
async function claimAndRelease(store: Store, backlog: number, claims: ClaimCounts): Promise<ClaimTimings> {
  const claimMs: number[] = [];
  const releaseMs: number[] = [];
  const lastClaimedIn = new Map<DeliveryId, number>();
  // Releases due at `now` of consecutive claims may tie on the millisecond, so allow one claim of slack.
  const roundClaims = Math.floor(backlog / CLAIM_LIMIT) - 1;
  let shortClaims = 0;
  let earlyReturns = 0;
  let discarded = 0;
  const warmupEnds = epochMs() + claims.warmupMs;
  let measuredEnds = Number.POSITIVE_INFINITY;
  for (let index = 0; claimMs.length < claims.measured; index++) {
    const warmingUp = index < claims.warmup && epochMs() < warmupEnds;
    if (!warmingUp && measuredEnds === Number.POSITIVE_INFINITY) measuredEnds = epochMs() + claims.measuredMs;
    if (!warmingUp && claimMs.length > 0 && epochMs() > measuredEnds) break;
    const now = Date.now() as EpochMs;
    const started = epochMs();
    const claimed = await store.claimDueDeliveries(CLAIM_LIMIT, now, now + LEASE_MS, {
      extraMs: LEASE_BEYOND_TIMEOUT_MS,
    });
    const claimedAt = epochMs();
    await store.releaseDeliveries(
      claimed.map(({ delivery }) => ({
        deliveryId: delivery.id,
        leaseUntil: delivery.leaseUntil ?? now,
        nextAttemptAt: now,
      })),
      now,
    );
    const releasedAt = epochMs();
    if (warmingUp) discarded++;
    else {
      claimMs.push(claimedAt - started);
      releaseMs.push(releasedAt - claimedAt);
    }
    if (claimed.length !== CLAIM_LIMIT) shortClaims++;
    for (const { delivery } of claimed) {
      const previous = lastClaimedIn.get(delivery.id);
      if (previous !== undefined && index - previous < roundClaims) earlyReturns++;
      lastClaimedIn.set(delivery.id, index);
    }
  }
  const problems: string[] = [];
  if (shortClaims > 0) problems.push(`${shortClaims} claims got fewer than ${CLAIM_LIMIT} deliveries`);
  if (earlyReturns > 0)
    problems.push(`${earlyReturns} deliveries were claimed again before the queue had gone round`);
  return {
    discarded,
    claimMs: Float64Array.from(claimMs),
    releaseMs: Float64Array.from(releaseMs),
    problems,
  };
}

/** The plan reads every due row and sorts them, instead of walking deliveries_due in order up to the limit. */
function sortsEveryDueRow(plan: readonly string[]): boolean {
  return plan.some((line) => /\bSort\b|TEMP B-TREE/.test(line));
}

async function queueProblems(probe: DatabaseProbe, backlog: number): Promise<string[]> {
  const counts = await probe.queueCounts();
  const problems: string[] = [];
  if (counts.pending !== backlog)
    problems.push(`${counts.pending} deliveries pending afterwards, expected ${backlog}`);
  if (counts.leased !== 0) problems.push(`${counts.leased} deliveries still leased afterwards`);
  if (counts.attempts !== 0) problems.push(`${counts.attempts} attempts recorded, expected none`);
  return problems;
}

interface Phase {
  plan: string[];
  timings: ClaimTimings;
  cpu: CpuShares;
  upkeep: { before: TableUpkeep; after: TableUpkeep } | null;
}

async function measurePhase(
  bench: BenchHerald,
  probe: DatabaseProbe,
  backlog: number,
  options: ScenarioOptions,
  profileName: string,
): Promise<Phase> {
  const plan = await probe.claimPlan(Date.now(), CLAIM_LIMIT);
  const upkeepBefore = await probe.upkeep();
  global.gc?.();
  const cpuBefore = await cpuSnapshot(null);
  const timings = await profiled(options.profileDir, profileName, () =>
    claimAndRelease(bench.herald.store, backlog, options.quick ? CLAIMS.quick : CLAIMS.full),
  );
  const cpu = cpuShares(cpuBefore, await cpuSnapshot(null));
  const upkeepAfter = await probe.upkeep();
  const upkeep = upkeepBefore && upkeepAfter ? { before: upkeepBefore, after: upkeepAfter } : null;
  return { plan, timings, cpu, upkeep };
}

const count = (n: number) => n.toLocaleString("en-US");
const ms = (value: number) => value.toFixed(2);
const perDeliveryUs = (claimMs: number) => (claimMs * 1000) / CLAIM_LIMIT;

/** One line on a phase: how many claims, their spread, the release, the plan, the table's upkeep. */
function describePhase(name: string, phase: Phase): string {
  const { claimMs, releaseMs } = phase.timings;
  const half = Math.floor(claimMs.length / 2);
  const parts = [
    `${name}: ${count(claimMs.length)} claims measured after ${phase.timings.discarded} discarded, claim p50/p99/max ` +
      `${ms(quantile(claimMs, 0.5))}/${ms(quantile(claimMs, 0.99))}/${ms(quantile(claimMs, 1))} ms ` +
      `(p50 first/second half ${ms(quantile(claimMs.subarray(0, half), 0.5))}/${ms(quantile(claimMs.subarray(half), 0.5))}), ` +
      `release p50/p99 ${ms(quantile(releaseMs, 0.5))}/${ms(quantile(releaseMs, 0.99))} ms`,
    `plan of the due-row selection: ${phase.plan.join(" → ")}`,
  ];
  if (phase.upkeep) {
    const { before, after } = phase.upkeep;
    parts.push(
      `${count(after.deadTuples)} dead row versions in deliveries afterwards, autovacuum ran ` +
        `${after.autovacuums - before.autovacuums}×, autoanalyze ${after.autoanalyzes - before.autoanalyzes}× meanwhile`,
    );
  }
  return parts.join("; ");
}

/** The ratio to the 10k row's figure on this backend, with what it means for the target. */
function describeRatio(what: string, ratio: number, backlog: number, fullBacklog: number): string {
  if (Number.isNaN(ratio)) return `${what}: no valid 10k row on this backend in this run to compare with`;
  const verdict =
    backlog !== fullBacklog
      ? `measured at ${count(backlog)}, so this does not test the target`
      : ratio <= 2
        ? "met"
        : "NOT met";
  return `${what}: claim p50 ${ratio.toFixed(2)}× the 10k backlog's (target: within 2× at 1M) — ${verdict}`;
}

export const backlogScenario: Scenario = {
  name: "backlog",
  quickOnFirstBackend: true,
  description: `claim ${CLAIM_LIMIT} due deliveries (the dispatcher's batch) from a backlog, then release them`,
  role: "api",
  variants: Object.keys(BACKLOGS),
  async run(bench, options, variant) {
    const sizes = BACKLOGS[variant ?? ""];
    if (sizes === undefined) throw new Error(`backlog: unknown variant ${variant}`);
    const backlog = options.quick ? sizes.quick : sizes.full;

    const appId = await createApplication(bench);
    const buildStarted = epochMs();
    await buildBacklog(bench.herald.store, appId, backlog);
    const buildMs = epochMs() - buildStarted;

    const probe = await openDatabaseProbe(bench);
    try {
      const profileName = `backlog-${bench.backend}-${variant}`;
      const asBuilt = await measurePhase(bench, probe, backlog, options, profileName);
      const analyzed = (await probe.analyze())
        ? await measurePhase(bench, probe, backlog, options, `${profileName}-analyzed`)
        : null;
      const problems = [
        ...asBuilt.timings.problems,
        ...(analyzed?.timings.problems ?? []),
        ...(await queueProblems(probe, backlog)),
      ];
      const valid = problems.length === 0;

      const p50 = quantile(asBuilt.timings.claimMs, 0.5);
      const p99 = quantile(asBuilt.timings.claimMs, 0.99);
      const analyzedP50 = analyzed ? quantile(analyzed.timings.claimMs, 0.5) : Number.NaN;
      if (valid && variant === "10k") smallBacklogClaimMs.set(bench.backend, { asBuilt: p50, analyzedP50 });
      const baseline = smallBacklogClaimMs.get(bench.backend);
      const ratio = variant === "10k" ? 1 : baseline ? p50 / baseline.asBuilt : Number.NaN;
      const analyzedRatio = !analyzed
        ? Number.NaN
        : variant === "10k"
          ? 1
          : baseline
            ? analyzedP50 / baseline.analyzedP50
            : Number.NaN;

      const notes = [
        `${count(backlog)} pending deliveries (${count(backlog / ENDPOINTS)} messages × ${ENDPOINTS} endpoints) ` +
          `built in ${(buildMs / 1000).toFixed(1)} s through store.acceptMessages, ` +
          `${count(MESSAGES_PER_ACCEPT * ENDPOINTS)} deliveries a transaction ` +
          `(${count(Math.round(backlog / (buildMs / 1000)))} deliveries/s)` +
          (backlog === sizes.full ? "" : ` — --quick: ${count(sizes.full)} in a full run`),
        `each claim is released at once, due now (the back of the queue), so the backlog keeps its size`,
        describePhase(analyzed ? "as built (no ANALYZE yet)" : "claims", asBuilt),
      ];
      if (sortsEveryDueRow(asBuilt.plan))
        notes.push(
          "SURPRISE: the planner reads and sorts every due delivery instead of walking deliveries_due in order " +
            "up to the limit, so each claim costs in proportion to the backlog" +
            (analyzed ? " — the table has no statistics until (auto)ANALYZE runs on it" : ""),
        );
      if (analyzed) {
        notes.push(describePhase("after ANALYZE deliveries", analyzed));
        if (sortsEveryDueRow(analyzed.plan))
          notes.push("SURPRISE: even after ANALYZE the plan sorts every due row");
      }
      if (variant !== "10k") {
        notes.push(describeRatio(analyzed ? "as built" : "ratio", ratio, backlog, sizes.full));
        if (analyzed) notes.push(describeRatio("after ANALYZE", analyzedRatio, backlog, sizes.full));
      }
      notes.push(describeCpu(asBuilt.cpu, "bench + Herald store"));
      const stalled = machineStalled(asBuilt.cpu) || (analyzed !== null && machineStalled(analyzed.cpu));
      if (stalled) notes.push(MACHINE_STALLED);
      if (valid)
        notes.push(
          `queue intact: every claim got ${CLAIM_LIMIT}, oldest first; ${count(backlog)} pending and unleased afterwards, no attempts`,
        );

      const claimMs = asBuilt.timings.claimMs;
      return {
        measurements: [
          { label: "pending deliveries", unit: "", value: backlog },
          { label: "build", unit: "s", value: buildMs / 1000 },
          { label: "claim p50", unit: "ms", value: valid ? p50 : Number.NaN },
          { label: "claim p99", unit: "ms", value: valid ? p99 : Number.NaN },
          { label: "per delivery p50", unit: "µs", value: valid ? perDeliveryUs(p50) : Number.NaN },
          { label: "per delivery p99", unit: "µs", value: valid ? perDeliveryUs(p99) : Number.NaN },
          { label: "claim p50 / 10k", unit: "×", value: valid ? ratio : Number.NaN },
          { label: "analyzed: claim p50", unit: "ms", value: valid ? analyzedP50 : Number.NaN },
          { label: "analyzed: p50 / 10k", unit: "×", value: valid ? analyzedRatio : Number.NaN },
        ],
        notes,
        noisy:
          isNoisy(asBuilt.cpu) ||
          (analyzed !== null && isNoisy(analyzed.cpu)) ||
          stalled ||
          claimMs.length === 0,
        ...(valid ? {} : { void: problems.join("; ") }),
      };
    } finally {
      await probe.close();
    }
  },
};
