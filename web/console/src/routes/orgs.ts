import type { Area } from "./index";

// 组织管理: the tree a level at a time, creating children (ORG-5), reshaping (ORG-6), cadres (ACCT-5).
export const area: Area = {
  routes: [{ path: "orgs", name: "orgs", component: () => import("../pages/orgs/OrgsPage.vue"), meta: { title: "组织管理" } }],
  menu: [{ path: "/orgs", title: "组织管理", order: 20 }],
};
