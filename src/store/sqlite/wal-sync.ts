/**
 * Makes accepted messages durable against power loss without blocking the event loop.
 *
 * Accepts commit with synchronous=NORMAL: in WAL mode that writes the commit's frames to the -wal file but does
 * not fsync it. Before acceptMessages resolves, the -wal file is then fdatasync'ed here, on libuv's thread pool,
 * through a file handle of our own. fdatasync flushes every dirty page of the file, whichever descriptor wrote
 * it, so one sync covers every commit made before it started: waiters are grouped, with at most one sync in
 * flight and one queued behind it (which covers everyone who arrives while the first runs).
 *
 * Why our handle always names the file that holds the commits not yet in the database file:
 * - SQLite deletes the -wal file only when the last connection to the database closes (or the journal mode
 *   leaves WAL, which needs the same exclusive lock). The store's connection stays open until after this handle
 *   is closed (see close() in sqlite-store.ts), so the file cannot be deleted and re-created under us.
 * - Everything else SQLite does to the file keeps its inode: a WAL reset rewrites it from the start, and
 *   journal_size_limit or a TRUNCATE checkpoint shrink it with ftruncate. A reset or a truncation only ever
 *   drops frames that a checkpoint has already copied into the database file, and a checkpoint syncs the
 *   database file before the WAL may be reset (at any synchronous level but OFF; sqlite-store.ts uses NORMAL),
 *   so those commits are durable there.
 * - SQLite takes no POSIX locks on the -wal file (its locks are on the database and -shm files), so opening and
 *   closing our own descriptor cannot drop one of SQLite's locks, as closing a descriptor of a locked file would.
 */
import { open, type FileHandle } from "node:fs/promises";
import type { Logger } from "pino";

export interface WalSync {
  /**
   * Call right after a commit (before another transaction can run): resolves once that commit is on stable
   * storage. Rejects when a sync failed, now or earlier (see `failure`).
   */
  afterCommit(): Promise<void>;
  /**
   * Set once a sync has failed. It stays set: after a failed fsync, Linux may mark the unwritten pages clean,
   * so a later successful sync proves nothing about the commits before it (PostgreSQL stops for the same
   * reason). Only a restart, which reads back what really is on disk, makes accepting safe again.
   */
  readonly failure: Error | undefined;
  /** Waits for the syncs requested so far, then closes the file handle. Later requests reject. */
  close(): Promise<void>;
}

export interface WalSyncOptions {
  /** The database's -wal file; opened on the first sync (a commit has created it by then). */
  walFile: string;
  /** Called after each completed sync (for metrics). */
  onSynced?: () => void;
  log?: Logger;
}

const ignore = () => {};

export function walSync(options: WalSyncOptions): WalSync {
  let handle: Promise<FileHandle> | undefined;
  let inFlight: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  let failure: Error | undefined;
  let closed = false;

  async function syncOnce(): Promise<void> {
    if (failure) throw failure;
    // "r+": write access (some platforms refuse to sync a read-only descriptor); never creates the file.
    handle ??= open(options.walFile, "r+");
    await (await handle).datasync();
    options.onSynced?.();
  }

  function start(): Promise<void> {
    const sync: Promise<void> = syncOnce().then(
      () => {
        if (inFlight === sync) inFlight = undefined;
      },
      (error: unknown) => {
        if (inFlight === sync) inFlight = undefined;
        if (!failure) {
          failure = new Error(
            "store: syncing the SQLite WAL failed; accepting messages is disabled until restart",
            {
              cause: error,
            },
          );
          options.log?.error({ err: error }, failure.message);
        }
        throw failure;
      },
    );
    inFlight = sync;
    return sync;
  }

  return {
    get failure() {
      return failure;
    },
    afterCommit() {
      if (failure) return Promise.reject(failure);
      if (closed) return Promise.reject(new Error("store: closed"));
      // The queued sync starts after the one in flight: it covers this commit too.
      if (queued) return queued;
      if (!inFlight) return start();
      const next = inFlight.then(ignore, ignore).then(() => {
        queued = undefined;
        return start();
      });
      queued = next;
      return next;
    },
    async close() {
      closed = true;
      await Promise.allSettled([inFlight, queued]);
      const opened = await handle?.catch(() => undefined);
      await opened?.close();
    },
  };
}
