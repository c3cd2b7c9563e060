import type { Area } from "./index";

// 查找 (STAT-3): members and branches by name, organisation name or ID number, in the acting
// organisation's subtree. components/HeaderSearch.vue is the box for the header.
export const area: Area = {
  routes: [{ path: "search", name: "search", component: () => import("../pages/search/SearchPage.vue"), meta: { title: "查找" } }],
  menu: [{ path: "/search", title: "查找团员和组织", order: 15 }],
};
