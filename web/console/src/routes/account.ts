import type { Area } from "./index";

// The signed-in account itself: the password change, forced on a first sign-in (ACCT-6).
export const area: Area = {
  routes: [
    { path: "password", name: "password", component: () => import("../pages/account/ChangePassword.vue"), meta: { title: "修改密码" } },
  ],
  menu: [{ path: "/password", title: "修改密码", order: 90 }],
};
