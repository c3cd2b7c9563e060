import { fileURLToPath } from "node:url";
import vue from "@vitejs/plugin-vue";
import { defineConfig } from "vitest/config";

// The front end's own logic (stores, the API client, form rules), in jsdom.
export default defineConfig({
  plugins: [vue()],
  resolve: { alias: { "@shared": fileURLToPath(new URL("./shared", import.meta.url)) } },
  test: { environment: "jsdom", include: ["**/*.test.ts"], exclude: ["node_modules/**", "dist/**"] },
});
