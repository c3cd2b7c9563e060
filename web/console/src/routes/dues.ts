import type { Area } from "./index";

// 团费: collection by month, who owes and reminders (MSG-2), paying for members, offline months
// (DUES-5), the standard (province), the ledger and reconciliation.
export const area: Area = {
  routes: [{ path: "dues", name: "dues", component: () => import("../pages/dues/DuesPage.vue"), meta: { title: "团费管理" } }],
  menu: [{ path: "/dues", title: "团费管理", order: 40 }],
};
