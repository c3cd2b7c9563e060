// The console's pages: sign-in outside the layout, everything else inside it (header with the
// acting organisation, the menu). A first sign-in with an initial password goes to the password
// change before anything else (ACCT-6).
import { createRouter, createWebHistory, type RouteRecordRaw } from "vue-router";
import { SessionStore } from "@shared/api";
import { pages } from "./routes";

const routes: RouteRecordRaw[] = [
  { path: "/sign-in", name: "sign-in", component: () => import("./pages/SignIn.vue"), meta: { public: true, title: "登录" } },
  {
    path: "/",
    component: () => import("./Layout.vue"),
    children: pages,
  },
  { path: "/:rest(.*)*", name: "not-found", component: () => import("./pages/NotFound.vue"), meta: { public: true, title: "页面不存在" } },
];

export const router = createRouter({ history: createWebHistory("/console/"), routes });

const session = new SessionStore("console");

router.beforeEach((to) => {
  if (!to.meta.public && session.tokens === null) {
    return { name: "sign-in", query: { next: to.fullPath } };
  }
  return true;
});

router.afterEach((to) => {
  document.title = `${(to.meta.title as string | undefined) ?? "管理端"} · 智慧团建管理端`;
});
