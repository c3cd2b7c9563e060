import type { Area } from "./index";

// 组织关系转接: the inbox with the 72-hour clock, graduation batches (XFER-6), response rates (XFER-2).
export const area: Area = {
  routes: [{ path: "transfers", name: "transfers", component: () => import("../pages/transfers/TransfersPage.vue"), meta: { title: "组织关系转接" } }],
  menu: [{ path: "/transfers", title: "组织关系转接", order: 30 }],
};
