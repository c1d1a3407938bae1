import { randomFillSync } from "node:crypto";
import { encodeBase62 } from "../lib/base62.js";

/**
 * Ids are Svix's "KSUID-ms": a prefix and 27 base62 characters encoding 20 bytes — 4 bytes of seconds since the
 * KSUID epoch, 1 byte of 4 ms steps within the second, 15 random bytes. Ids of one prefix therefore sort
 * chronologically as plain strings, which pagination and time windows rely on.
 */
const KSUID_EPOCH_SECONDS = 1_400_000_000;
const ID_BODY_LENGTH = 27;

export const ID_PREFIXES = {
  application: "app_",
  endpoint: "ep_",
  message: "msg_",
  attempt: "atmpt_",
  delivery: "dlv_",
  task: "qtask_",
  secret: "sec_",
} as const;

export type IdKind = keyof typeof ID_PREFIXES;
declare const idBrand: unique symbol;
export type Id<K extends IdKind> = string & { readonly [idBrand]: K };
export type ApplicationId = Id<"application">;
export type EndpointId = Id<"endpoint">;
export type MessageId = Id<"message">;
export type AttemptId = Id<"attempt">;
export type DeliveryId = Id<"delivery">;
export type TaskId = Id<"task">;

// Random bytes are drawn in blocks: one syscall per 256 ids instead of one per id.
const RANDOM_BLOCK = 15 * 256;
const randomPool = Buffer.alloc(RANDOM_BLOCK);
let randomOffset = RANDOM_BLOCK;

/**
 * The previous random id's bytes, per time step. Within one 4 ms step a process increments the payload of its
 * previous id instead of drawing a new one, so the ids one process makes are strictly increasing: lists ordered
 * by id show objects created in a burst in creation order.
 */
const lastRandomId = new Uint8Array(20);

/** The seconds since the KSUID epoch (big-endian) and the 4 ms step within the second: bytes 0 to 4. */
function writeTimePrefix(bytes: Uint8Array, timeMs: number): void {
  const seconds = Math.max(0, Math.floor(timeMs / 1000) - KSUID_EPOCH_SECONDS) >>> 0;
  bytes[0] = seconds >>> 24;
  bytes[1] = seconds >>> 16;
  bytes[2] = seconds >>> 8;
  bytes[3] = seconds;
  bytes[4] = Math.floor((timeMs % 1000) / 4);
}

function samePrefix(a: Uint8Array, b: Uint8Array): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3] && a[4] === b[4];
}

/** Adds one to the 15-byte payload; false when it would overflow (then a fresh random payload is used). */
function incrementPayload(bytes: Uint8Array): boolean {
  for (let i = 19; i >= 5; i--) {
    const next = ((bytes[i] ?? 0) + 1) & 0xff;
    bytes[i] = next;
    if (next !== 0) return true;
  }
  return false;
}

/** Each id's 20 bytes are assembled here and encoded at once: no per-id buffers on the hot path. */
const idBytes = new Uint8Array(20);

function idBody(timeMs: number, payload: "random" | "min" | "max"): string {
  const bytes = idBytes;
  writeTimePrefix(bytes, timeMs);
  if (payload === "random") {
    if (samePrefix(bytes, lastRandomId)) {
      for (let i = 5; i < 20; i++) bytes[i] = lastRandomId[i] as number;
      if (!incrementPayload(bytes)) fillRandom(bytes);
    } else {
      fillRandom(bytes);
    }
    lastRandomId.set(bytes);
  } else {
    bytes.fill(payload === "max" ? 0xff : 0, 5);
  }
  return encodeBase62(bytes, ID_BODY_LENGTH);
}

function fillRandom(bytes: Uint8Array): void {
  if (randomOffset + 15 > RANDOM_BLOCK) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  for (let i = 5; i < 20; i++) bytes[i] = randomPool[randomOffset++] as number;
}

export function newId<K extends IdKind>(kind: K, timeMs: number = Date.now()): Id<K> {
  return (ID_PREFIXES[kind] + idBody(timeMs, "random")) as Id<K>;
}

/** The smallest (`edge: "first"`) or largest id of this kind that can carry `timeMs`: bounds for time windows. */
export function boundaryId<K extends IdKind>(kind: K, timeMs: number, edge: "first" | "last"): Id<K> {
  return (ID_PREFIXES[kind] + idBody(timeMs, edge === "first" ? "min" : "max")) as Id<K>;
}

export function isIdOf<K extends IdKind>(kind: K, value: string): value is Id<K> {
  const prefix = ID_PREFIXES[kind];
  return (
    value.startsWith(prefix) &&
    value.length === prefix.length + ID_BODY_LENGTH &&
    /^[0-9A-Za-z]+$/.test(value.slice(prefix.length))
  );
}
