/**
 * Look and feel: the operator's settings arrive in the page's `<meta name="herald-ui">` (see src/http/ui.ts);
 * a portal URL's query parameters (`primaryColor`, `logoUrl`, `theme`) override them, so a platform can match
 * each embedding page without reconfiguring Herald.
 */
export type ThemeMode = "light" | "dark" | "auto";

export interface UiSettings {
  primaryColor: string;
  logoUrl: string | null;
  theme: ThemeMode;
}

const DEFAULTS: UiSettings = { primaryColor: "#4f46e5", logoUrl: null, theme: "auto" };

const isColor = (value: unknown): value is string =>
  typeof value === "string" && /^#[0-9a-f]{6}$/i.test(value);
const isTheme = (value: unknown): value is ThemeMode =>
  value === "light" || value === "dark" || value === "auto";
function isHttpUrl(value: unknown): value is string {
  if (typeof value !== "string") return false;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

function fromPage(): UiSettings {
  const content = document.querySelector('meta[name="herald-ui"]')?.getAttribute("content");
  if (!content) return DEFAULTS;
  try {
    const raw = JSON.parse(content) as Record<string, unknown>;
    return {
      primaryColor: isColor(raw.primaryColor) ? raw.primaryColor : DEFAULTS.primaryColor,
      logoUrl: isHttpUrl(raw.logoUrl) ? raw.logoUrl : null,
      theme: isTheme(raw.theme) ? raw.theme : DEFAULTS.theme,
    };
  } catch {
    return DEFAULTS;
  }
}

/** The page's settings, with the query's overrides when `allowQueryOverrides` (the portal). */
export function readSettings(allowQueryOverrides: boolean): UiSettings {
  const settings = fromPage();
  if (!allowQueryOverrides) return settings;
  const query = new URLSearchParams(window.location.search);
  const color = query.get("primaryColor");
  const normalizedColor = color && !color.startsWith("#") ? `#${color}` : color;
  const logo = query.get("logoUrl");
  const theme = query.get("theme");
  return {
    primaryColor: isColor(normalizedColor) ? normalizedColor : settings.primaryColor,
    logoUrl: isHttpUrl(logo) ? logo : settings.logoUrl,
    theme: isTheme(theme) ? theme : settings.theme,
  };
}

export function applyTheme(settings: UiSettings): void {
  const root = document.documentElement;
  root.style.setProperty("--primary", settings.primaryColor);
  const media = window.matchMedia("(prefers-color-scheme: dark)");
  const apply = () => {
    root.dataset.theme = settings.theme === "auto" ? (media.matches ? "dark" : "light") : settings.theme;
  };
  apply();
  if (settings.theme === "auto") media.addEventListener("change", apply);
}
