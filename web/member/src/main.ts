import { createApp } from "vue";
import { createPinia } from "pinia";
import Vant from "vant";
import "vant/lib/index.css";
import App from "./App.vue";
import { announceToastsAsStatus } from "./lib/toast";
import { router } from "./router";
import "./style.css";

announceToastsAsStatus();
createApp(App).use(createPinia()).use(router).use(Vant).mount("#app");
