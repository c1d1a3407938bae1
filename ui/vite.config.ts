import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// One single-page app for /dashboard and /portal, built into dist/ui and served by Herald (src/http/ui.ts).
// JSX goes through esbuild's automatic runtime; no React plugin is needed without a dev-server fast refresh.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/ui/",
  esbuild: { jsx: "automatic" },
  build: {
    outDir: fileURLToPath(new URL("../dist/ui", import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    target: "es2022",
    // The whole app is one chunk; Herald serves it gzipped from memory.
    chunkSizeWarningLimit: 600,
  },
  server: {
    // `npx vite ui` during development: API calls go to a Herald on the default port.
    proxy: { "/api": "http://127.0.0.1:8071" },
  },
});
