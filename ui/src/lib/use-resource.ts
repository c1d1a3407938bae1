import { useCallback, useEffect, useRef, useState } from "react";

export interface Resource<T> {
  data: T | undefined;
  error: Error | null;
  /** True until the first answer (later reloads keep showing the previous data). */
  loading: boolean;
  reload: () => void;
}

/**
 * Loads `fetcher` when `key` changes, optionally polling every `pollMs` while the tab is visible, so views update
 * without a reload. A stale answer (for an older key) is dropped.
 */
export function useResource<T>(
  key: string,
  fetcher: (signal: AbortSignal) => Promise<T>,
  options: { pollMs?: number } = {},
): Resource<T> {
  const [state, setState] = useState<{ key: string; data: T | undefined; error: Error | null }>({
    key,
    data: undefined,
    error: null,
  });
  const [generation, setGeneration] = useState(0);
  const fetcherRef = useRef(fetcher);
  fetcherRef.current = fetcher;

  useEffect(() => {
    const controller = new AbortController();
    fetcherRef.current(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ key, data, error: null });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setState((previous) => ({
          key,
          data: previous.key === key ? previous.data : undefined,
          error: error instanceof Error ? error : new Error(String(error)),
        }));
      },
    );
    return () => controller.abort();
  }, [key, generation]);

  useEffect(() => {
    if (!options.pollMs) return;
    const timer = window.setInterval(() => {
      if (document.visibilityState === "visible") setGeneration((value) => value + 1);
    }, options.pollMs);
    return () => window.clearInterval(timer);
  }, [options.pollMs, key]);

  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  const current = state.key === key;
  return {
    data: current ? state.data : undefined,
    error: current ? state.error : null,
    loading: !current || (state.data === undefined && state.error === null),
    reload,
  };
}
