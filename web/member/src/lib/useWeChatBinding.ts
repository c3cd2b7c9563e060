// Entering the app inside WeChat signed in binds the person's WeChat once a visit (lib/wechat.ts):
// on the first page that needs a session, after sign-in; signing out forgets it (the next
// account binds its own).
import { watch } from "vue";
import { useRoute, useRouter } from "vue-router";
import { useAuth } from "../stores/auth";
import { browserDoor, ensureWeChatBound, forgetBinding, ownHash } from "./wechat";

export function useWeChatBinding(): void {
  const auth = useAuth();
  const route = useRoute();
  const router = useRouter();
  let started = false;
  const door = {
    ...browserDoor,
    // Through the router, so that the page's own route forgets WeChat's ?code&state too.
    clean: () => {
      const query = { ...route.query };
      delete query.code;
      delete query.state;
      return router.replace({ query, hash: ownHash(route.hash) });
    },
  };
  watch(
    () => [auth.signedIn, route.name !== undefined && route.meta.public !== true] as const,
    ([signedIn, sessionPage]) => {
      if (!signedIn) {
        if (started) forgetBinding();
        started = false;
        return;
      }
      if (started || !sessionPage) return;
      started = true;
      void router.isReady().then(() => ensureWeChatBound(door));
    },
    { immediate: true },
  );
}
