import type { Area } from "./index";

// 审核: the screens where the work list's items are decided (REV-1, REG-5, EDIT-2, awards,
// EXIT, DEL-1, EDIT-4 join-month applications).
export const area: Area = {
  routes: [
    { path: "review/registrations/:id", name: "review-registration", component: () => import("../pages/review/RegistrationReview.vue"), props: true, meta: { title: "报到审核" } },
    { path: "review/edits/:memberId", name: "review-edit", component: () => import("../pages/review/EditReview.vue"), props: true, meta: { title: "信息修改审核" } },
    { path: "review/exits/:memberId", name: "review-exit", component: () => import("../pages/review/ExitReview.vue"), props: true, meta: { title: "离团审批" } },
    {
      path: "review/:kind(registrations|awards|deletions|join-month)",
      name: "review-list",
      component: () => import("../pages/review/ReviewList.vue"),
      props: (route) => ({ kind: route.params.kind, focus: typeof route.query.focus === "string" ? route.query.focus : undefined }),
      meta: { title: "审核" },
    },
  ],
  menu: [{ path: "/review/registrations", title: "审核", order: 5 }],
};
