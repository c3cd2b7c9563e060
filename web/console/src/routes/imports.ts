import type { Area } from "./index";

// 批量导入: template, upload (presigned), start, progress while rows are checked, per-row report.
export const area: Area = {
  routes: [{ path: "imports", name: "imports", component: () => import("../pages/imports/ImportsPage.vue"), meta: { title: "批量导入团员" } }],
  menu: [{ path: "/imports", title: "批量导入", order: 50 }],
};
