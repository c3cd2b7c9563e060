import type { Area } from "./index";

// 统计分析 (STAT-1..3, SWEEP-1..3): figures as charts, the daily bulletin, sector progress,
// findings with drill-down by child, sweeps.
export const area: Area = {
  routes: [{ path: "stats", name: "stats", component: () => import("../pages/stats/StatsPage.vue"), meta: { title: "统计分析" } }],
  menu: [{ path: "/stats", title: "统计分析", order: 10 }],
};
