import type { Area } from "./index";

export const area: Area = {
  routes: [{ path: "", name: "home", component: () => import("../pages/Home.vue"), meta: { title: "工作台" } }],
  menu: [{ path: "/", title: "工作台", order: 0 }],
};
