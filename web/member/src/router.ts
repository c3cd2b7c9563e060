// The members' app's pages. Pages that need a session send a signed-out visitor to sign-in
// and back afterwards (?next=).
import { createRouter, createWebHistory, type RouteRecordRaw } from "vue-router";
import { SessionStore } from "@shared/api";

const routes: RouteRecordRaw[] = [
  { path: "/", name: "home", component: () => import("./pages/Home.vue"), meta: { title: "我的团员信息" } },
  { path: "/sign-in", name: "sign-in", component: () => import("./pages/SignIn.vue"), meta: { public: true, title: "登录" } },
  { path: "/sign-up", name: "sign-up", component: () => import("./pages/SignUp.vue"), meta: { public: true, title: "注册账号" } },
  { path: "/:rest(.*)*", name: "not-found", component: () => import("./pages/NotFound.vue"), meta: { public: true, title: "页面不存在" } },
];

export const router = createRouter({ history: createWebHistory("/m/"), routes });

const session = new SessionStore("member");

router.beforeEach((to) => {
  if (!to.meta.public && session.tokens === null) {
    return { name: "sign-in", query: { next: to.fullPath } };
  }
  return true;
});

router.afterEach((to) => {
  document.title = `${(to.meta.title as string | undefined) ?? "智慧团建"} · 智慧团建`;
});
