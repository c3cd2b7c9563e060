// The console's one API client and session (kept under "zhtj.console" in localStorage).
// A call refused with PASSWORD_CHANGE_REQUIRED (ACCT-6) lands on the password change page.
import { createApi, SessionStore } from "@shared/api";
import { router } from "./router";

export const session = new SessionStore("console");

export const api = createApi({
  session,
  onSignedOut: () => {
    void router.replace({ name: "sign-in", query: { next: router.currentRoute.value.fullPath } });
  },
});

export const PASSWORD_CHANGE_REQUIRED = "PASSWORD_CHANGE_REQUIRED";

api.use({
  async onResponse({ response }) {
    if (response.status !== 403 || router.currentRoute.value.name === "password") return undefined;
    const body = (await response.clone().json().catch(() => null)) as { code?: string } | null;
    if (body?.code === PASSWORD_CHANGE_REQUIRED) void router.replace({ name: "password" });
    return undefined;
  },
});
