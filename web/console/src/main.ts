import { createApp } from "vue";
import { createPinia } from "pinia";
import { provideGlobalConfig } from "element-plus";
import zhCn from "element-plus/es/locale/lang/zh-cn";
import "element-plus/theme-chalk/base.css";
// Before style.css, which overrides their colours at equal specificity (WCAG AA contrast).
import "element-plus/es/components/form-item/style/css";
import "element-plus/es/components/message/style/css";
import App from "./App.vue";
import { router } from "./router";
import "./style.css";

// Element Plus components are imported where they are used (vite.config.ts); the Chinese locale
// and the theme's CSS variables are the app's, as app.use(ElementPlus, { locale }) made them.
const app = createApp(App).use(createPinia()).use(router);
provideGlobalConfig({ locale: zhCn }, app, true);
app.mount("#app");
