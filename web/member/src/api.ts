// The members' app's one API client and session (kept under "zhtj.member" in localStorage).
import { createApi, SessionStore } from "@shared/api";
import { router } from "./router";

export const session = new SessionStore("member");

export const api = createApi({
  session,
  onSignedOut: () => {
    void router.replace({ name: "sign-in", query: { next: router.currentRoute.value.fullPath } });
  },
});
