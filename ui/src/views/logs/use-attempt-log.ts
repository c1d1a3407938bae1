/**
 * The delivery log's rows: the newest page, polled every few seconds so new attempts appear without a reload,
 * and older pages appended on demand ("Load more", following the list's iterator).
 *
 * Polling stops while older pages are shown: a refreshed first page would no longer end where the second page
 * begins, and rows would silently go missing between them. "Back to latest" drops the older pages and resumes.
 */
import { useCallback, useState } from "react";
import { seg, type Query } from "../../api/client";
import type { ListResponse, MessageAttemptOut } from "../../api/types";
import { useResource } from "../../lib/use-resource";
import { useAppScope } from "../../scope";

export const LOG_PAGE_SIZE = 50;
export const LOG_POLL_MS = 3000;

interface OlderPages {
  /** The filter key the pages were loaded for; pages of another key are stale. */
  key: string;
  rows: MessageAttemptOut[];
  iterator: string | null;
  done: boolean;
}

export interface AttemptLog {
  rows: MessageAttemptOut[];
  loading: boolean;
  /** The last refresh failed (rows, if any, are from before). */
  error: Error | null;
  /** True while the newest page is polled. */
  live: boolean;
  hasMore: boolean;
  loadingMore: boolean;
  loadMoreError: Error | null;
  loadMore(): void;
  backToLatest(): void;
  reload(): void;
}

export function useAttemptLog(query: Query): AttemptLog {
  const { api, app } = useAppScope();
  const path = `/app/${seg(app.id)}/attempt`;
  const key = `attempts:${app.id}:${JSON.stringify(query)}`;
  const [older, setOlder] = useState<OlderPages | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [loadMoreError, setLoadMoreError] = useState<Error | null>(null);
  const olderPages = older?.key === key ? older : null;
  const live = olderPages === null;

  const first = useResource(
    key,
    (signal) => api.get<ListResponse<MessageAttemptOut>>(path, { ...query, limit: LOG_PAGE_SIZE }, signal),
    { pollMs: live ? LOG_POLL_MS : undefined },
  );

  const iterator = olderPages ? olderPages.iterator : (first.data?.iterator ?? null);
  const done = olderPages ? olderPages.done : (first.data?.done ?? true);

  const loadMore = useCallback(() => {
    if (done || iterator === null) return;
    setLoadingMore(true);
    setLoadMoreError(null);
    api.get<ListResponse<MessageAttemptOut>>(path, { ...query, limit: LOG_PAGE_SIZE, iterator }).then(
      (page) => {
        setOlder((previous) => ({
          key,
          rows: [...(previous?.key === key ? previous.rows : []), ...page.data],
          iterator: page.iterator,
          done: page.done,
        }));
        setLoadingMore(false);
      },
      (error: unknown) => {
        setLoadMoreError(error instanceof Error ? error : new Error(String(error)));
        setLoadingMore(false);
      },
    );
  }, [api, path, query, key, iterator, done]);

  const { reload } = first;
  const backToLatest = useCallback(() => {
    setOlder(null);
    setLoadMoreError(null);
    reload();
  }, [reload]);

  const newest = first.data?.data ?? [];
  let rows = newest;
  if (olderPages) {
    const seen = new Set(newest.map((row) => row.id));
    rows = [...newest, ...olderPages.rows.filter((row) => !seen.has(row.id))];
  }
  return {
    rows,
    loading: first.loading,
    error: first.error,
    live,
    hasMore: !done && iterator !== null,
    loadingMore,
    loadMoreError,
    loadMore,
    backToLatest,
    reload,
  };
}
