// Who is signed in, for either app's auth store: the session's tokens and GET /me, loaded after
// a sign-in or sign-up (start), reloaded on request (load), dropped on sign-out (whatever the
// server answers) or when the session ends elsewhere. An app adds its own steps after each load
// (the console: the acting organisation and the names of the ones it may act for).
import { ref, type Ref } from "vue";
import { unwrap, type Api } from "./api/client";
import type { SessionStore, Tokens } from "./api/session";
import type { ResponseOf } from "./api/types";

export type Me = ResponseOf<"/me", "get">;

export interface SignedIn {
  me: Ref<Me | null>;
  signedIn: Ref<boolean>;
  load: () => Promise<Me | null>;
  start: (tokens: Tokens) => Promise<void>;
  signOut: () => Promise<void>;
}

export function useSignedIn(api: Api, session: SessionStore, afterLoad?: (me: Me) => Promise<void>): SignedIn {
  const me = ref<Me | null>(null) as Ref<Me | null>;
  const signedIn = ref(session.tokens !== null);
  session.onChange((tokens) => {
    signedIn.value = tokens !== null;
    if (!tokens) me.value = null;
  });

  async function load(): Promise<Me | null> {
    if (!session.tokens) return null;
    me.value = await unwrap(api.GET("/me"));
    await afterLoad?.(me.value);
    return me.value; // (afterLoad may have loaded it again)
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

  return { me, signedIn, load, start, signOut };
}
