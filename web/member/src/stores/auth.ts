// Who is signed in: the session's tokens and GET /me (the account, its member if any).
import { defineStore } from "pinia";
import { computed, ref } from "vue";
import { unwrap, type ResponseOf, type Tokens } from "@shared/api";
import { api, session } from "../api";

export type Me = ResponseOf<"/me", "get">;

export const useAuth = defineStore("auth", () => {
  const me = ref<Me | null>(null);
  const signedIn = ref(session.tokens !== null);
  session.onChange((tokens) => {
    signedIn.value = tokens !== null;
    if (!tokens) me.value = null;
  });

  async function load(): Promise<Me | null> {
    if (!session.tokens) return null;
    me.value = await unwrap(api.GET("/me"));
    return me.value;
  }

  /** A session answered by sign-in or sign-up: keep its tokens, then read who it is. */
  async function start(tokens: Tokens): Promise<void> {
    session.set(tokens);
    await load();
  }

  async function signOut(): Promise<void> {
    try {
      await unwrap(api.POST("/auth/sign-out"));
    } catch {
      // Signed out here whatever the server says: the tokens are dropped below.
    }
    session.clear();
  }

  const memberId = computed(() => me.value?.account.member_id ?? null);
  return { me, signedIn, memberId, load, start, signOut };
});
