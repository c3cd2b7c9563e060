import type { Area } from "./index";

// 操作记录 (AUDIT-1): the organisation's trail filtered by kind, person and date, with names.
export const area: Area = {
  routes: [{ path: "audit", name: "audit", component: () => import("../pages/audit/AuditPage.vue"), meta: { title: "操作记录" } }],
  menu: [{ path: "/audit", title: "操作记录", order: 60 }],
};
