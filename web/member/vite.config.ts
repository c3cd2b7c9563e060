import { fileURLToPath } from "node:url";
import vue from "@vitejs/plugin-vue";
import { defineConfig } from "vite";

// The members' mobile app, served at /m/ on the API's own origin (no CORS).
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/m/",
  // WeChat's open tags (<wx-open-subscribe>) are custom elements WeChat renders, not Vue components.
  plugins: [vue({ template: { compilerOptions: { isCustomElement: (tag) => tag.startsWith("wx-") } } })],
  resolve: { alias: { "@shared": fileURLToPath(new URL("../shared", import.meta.url)) } },
  build: { outDir: fileURLToPath(new URL("../dist/member", import.meta.url)), emptyOutDir: true, chunkSizeWarningLimit: 1200 },
  server: { proxy: { "^/(?!m/|@|src/|node_modules/).*": "http://127.0.0.1:8000" } },
});
