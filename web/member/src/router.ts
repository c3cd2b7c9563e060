// The members' app's pages. Pages that need a session send a signed-out visitor to sign-in
// and back afterwards (?next=). Pages with meta.tab show a member's bottom tab bar.
import { createRouter, createWebHistory, type RouteRecordRaw } from "vue-router";
import { SessionStore } from "@shared/api";

const tab = (title: string) => ({ title, tab: true });

const routes: RouteRecordRaw[] = [
  { path: "/", name: "home", component: () => import("./pages/Home.vue"), meta: tab("首页") },
  { path: "/sign-in", name: "sign-in", component: () => import("./pages/SignIn.vue"), meta: { public: true, title: "登录" } },
  { path: "/sign-up", name: "sign-up", component: () => import("./pages/SignUp.vue"), meta: { public: true, title: "注册账号" } },
  { path: "/forgot-password", name: "forgot-password", component: () => import("./pages/ForgotPassword.vue"), meta: { public: true, title: "找回密码" } },
  { path: "/join/:branchId", name: "join", component: () => import("./pages/Join.vue"), meta: { public: true, title: "扫码报到" } },
  { path: "/register", name: "register", component: () => import("./pages/register/RegisterWizard.vue"), meta: { title: "团员报到" } },
  { path: "/registration", name: "registration", component: () => import("./pages/RegistrationStatus.vue"), meta: { title: "报到进度" } },
  { path: "/profile/edit", name: "profile-edit", component: () => import("./pages/EditProfile.vue"), meta: { title: "修改我的信息" } },
  { path: "/dues", name: "dues", component: () => import("./pages/dues/Dues.vue"), meta: tab("团费") },
  { path: "/dues/mate", name: "dues-mate", component: () => import("./pages/dues/MatePay.vue"), meta: { title: "帮TA交" } },
  { path: "/card", name: "card", component: () => import("./pages/Card.vue"), meta: tab("团员证") },
  { path: "/transfer", name: "transfer", component: () => import("./pages/transfer/Transfers.vue"), meta: tab("组织关系转接") },
  { path: "/transfer/new", name: "transfer-new", component: () => import("./pages/transfer/StartTransfer.vue"), meta: { title: "发起转接" } },
  { path: "/messages", name: "messages", component: () => import("./pages/messages/Messages.vue"), meta: tab("消息") },
  { path: "/notices/:noticeId", name: "notice", component: () => import("./pages/messages/Notice.vue"), meta: { title: "通知公告" } },
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
