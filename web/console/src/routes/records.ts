import type { Area } from "./index";

// 团员档案: what cadres enter on members' records besides their data — rewards and punishments
// (AWARD-1/2), the branch's annual registration (年度团籍注册), the education evaluation (教育评议:
// the branch proposes, the committee above certifies) and volunteer hours (志愿服务).
export const area: Area = {
  routes: [
    { path: "records", name: "records", component: () => import("../pages/records/RecordsPage.vue"), meta: { title: "团员档案" } },
  ],
  menu: [{ path: "/records", title: "团员档案", order: 35 }],
};
