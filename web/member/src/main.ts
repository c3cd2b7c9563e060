import { createApp } from "vue";
import { createPinia } from "pinia";
import App from "./App.vue";
import { announceToastsAsStatus } from "./lib/toast";
import { router } from "./router";
import { useVant } from "./vant";
import "./style.css";

announceToastsAsStatus();
const app = createApp(App).use(createPinia()).use(router);
useVant(app);
app.mount("#app");
