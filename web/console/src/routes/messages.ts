import type { Area } from "./index";

// 消息、通知公告、提醒设置 (MSG-1, MSG-3): the cadre's in-app messages (the header's badge opens
// them), the notices reaching the acting organisation and those it published (writing one, its
// read counts), and the notification preferences.
export const area: Area = {
  routes: [
    { path: "messages", name: "messages", component: () => import("../pages/messages/MessagesPage.vue"), meta: { title: "消息" } },
    { path: "notices", name: "notices", component: () => import("../pages/messages/NoticesPage.vue"), meta: { title: "通知公告" } },
    { path: "notices/new", name: "notice-new", component: () => import("../pages/messages/NoticeCompose.vue"), meta: { title: "发布通知公告" } },
    { path: "notices/:noticeId", name: "notice", component: () => import("../pages/messages/NoticeView.vue"), meta: { title: "通知公告" } },
    { path: "notification-settings", name: "notification-settings", component: () => import("../pages/messages/PreferencesPage.vue"), meta: { title: "提醒设置" } },
  ],
  menu: [
    { path: "/messages", title: "消息", order: 70 },
    { path: "/notices", title: "通知公告", order: 72 },
    { path: "/notification-settings", title: "提醒设置", order: 85 },
  ],
};
