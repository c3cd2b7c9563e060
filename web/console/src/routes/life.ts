import type { Area } from "./index";

// 组织生活 (LIFE-1) and 推优入党 (PARTY-1): a branch's meetings by quarter, recording one with its
// attendees and photos, a meeting's page, the children's counts for a committee; proposing a
// member to the Party citing a 支部大会, and the committee above deciding.
export const area: Area = {
  routes: [
    { path: "life", name: "life", component: () => import("../pages/life/LifePage.vue"), meta: { title: "组织生活" } },
    { path: "life/branches/:branchId/new", name: "life-new", component: () => import("../pages/life/MeetingForm.vue"), props: true, meta: { title: "登记组织生活" } },
    { path: "life/meetings/:id", name: "life-meeting", component: () => import("../pages/life/MeetingPage.vue"), props: true, meta: { title: "组织生活记录" } },
    { path: "party", name: "party", component: () => import("../pages/party/PartyPage.vue"), meta: { title: "推优入党" } },
  ],
  menu: [
    { path: "/life", title: "组织生活", order: 42 },
    { path: "/party", title: "推优入党", order: 44 },
  ],
};
