// Who is signed in: the session's tokens and GET /me (the account, its member if any).
import { defineStore } from "pinia";
import { computed } from "vue";
import { useSignedIn } from "@shared/useSignedIn";
import { api, session } from "../api";

export type { Me } from "@shared/useSignedIn";

export const useAuth = defineStore("auth", () => {
  const { me, signedIn, load, start, signOut } = useSignedIn(api, session);
  const memberId = computed(() => me.value?.account.member_id ?? null);
  return { me, signedIn, memberId, load, start, signOut };
});
