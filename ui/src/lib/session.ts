/**
 * Where the UI keeps its token: `sessionStorage`, so it lives as long as the tab and never appears in a URL
 * (the portal's token arrives in the URL fragment once and is moved here at start).
 */
const ADMIN_KEY = "herald.adminToken";
const PORTAL_KEY = "herald.portalToken";

function storage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    // Storage can be blocked (third-party iframes with strict settings); the token then lives in memory only.
    return null;
  }
}

let memoryAdmin: string | null = null;
let memoryPortal: string | null = null;

export const adminSession = {
  get: (): string | null => storage()?.getItem(ADMIN_KEY) ?? memoryAdmin,
  set(token: string): void {
    memoryAdmin = token;
    storage()?.setItem(ADMIN_KEY, token);
  },
  clear(): void {
    memoryAdmin = null;
    storage()?.removeItem(ADMIN_KEY);
  },
};

export const portalSession = {
  get: (): string | null => storage()?.getItem(PORTAL_KEY) ?? memoryPortal,
  set(token: string): void {
    memoryPortal = token;
    storage()?.setItem(PORTAL_KEY, token);
  },
  clear(): void {
    memoryPortal = null;
    storage()?.removeItem(PORTAL_KEY);
  },
};

/**
 * Takes `#token=…` out of the address bar (and out of the browser history) and returns it.
 * Query parameters (theme) stay.
 */
export function takeTokenFromFragment(): string | null {
  const params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  const token = params.get("token");
  if (token === null || token === "") return null;
  window.history.replaceState(window.history.state, "", window.location.pathname + window.location.search);
  return token;
}
