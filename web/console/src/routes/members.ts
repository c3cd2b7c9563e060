import type { Area } from "./index";

// 团员: the roster (a branch or found anywhere below), a member's record and history, the
// roster export, reset codes, the branch's registration poster.
export const area: Area = {
  routes: [
    { path: "members", name: "members", component: () => import("../pages/members/Roster.vue"), meta: { title: "团员" } },
    { path: "members/:id", name: "member", component: () => import("../pages/members/MemberRecord.vue"), props: true, meta: { title: "团员信息" } },
  ],
  menu: [{ path: "/members", title: "团员", order: 12 }],
};
