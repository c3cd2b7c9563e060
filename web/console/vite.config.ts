import { fileURLToPath } from "node:url";
import vue from "@vitejs/plugin-vue";
import Components from "unplugin-vue-components/vite";
import { ElementPlusResolver } from "unplugin-vue-components/resolvers";
import ElementPlus from "unplugin-element-plus/vite";
import { defineConfig } from "vite";

// The cadres' console, served at /console/ on the API's own origin (no CORS).
// Element Plus on demand: an <el-…> component or v-loading in a template is imported with its
// CSS where it is used (unplugin-vue-components), and `import { ElMessage } from "element-plus"`
// in a script brings that component's CSS along (unplugin-element-plus); nothing to register.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/console/",
  plugins: [
    vue(),
    Components({ resolvers: [ElementPlusResolver({ importStyle: "css" })], dirs: [], dts: false }),
    ElementPlus({}),
  ],
  resolve: { alias: { "@shared": fileURLToPath(new URL("../shared", import.meta.url)) } },
  build: { outDir: fileURLToPath(new URL("../dist/console", import.meta.url)), emptyOutDir: true, chunkSizeWarningLimit: 1200 },
  server: { proxy: { "^/(?!console/|@|src/|node_modules/).*": "http://127.0.0.1:8000" } },
});
