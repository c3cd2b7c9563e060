// The typed API client of both apps: openapi-fetch over the types generated from the served
// OpenAPI document (schema.d.ts, `npm run gen:api`; `npm run check:api` fails when stale).
// Same origin as the API (no CORS); the access token goes in Authorization; a 401 refreshes
// the session once (one refresh in flight however many requests failed) and retries.
import createClient, { type Client } from "openapi-fetch";
import type { paths } from "./schema";
import { ApiError, isErrorBody, NETWORK_MESSAGE, SERVER_MESSAGE } from "./errors";
import type { SessionStore, Tokens } from "./session";

export type Api = Client<paths>;

export interface ApiOptions {
  session: SessionStore;
  /** The API's origin; the page's own by default. */
  baseUrl?: string;
  /** Called when the session cannot be renewed (signed out elsewhere, expired). */
  onSignedOut?: () => void;
  fetch?: (request: Request) => Promise<Response>;
}

export function createApi(options: ApiOptions): Api {
  const { session } = options;
  const baseUrl = options.baseUrl ?? globalThis.location.origin;
  const baseFetch = options.fetch ?? ((input: Request) => globalThis.fetch(input));
  let refreshing: Promise<boolean> | null = null;

  async function refresh(): Promise<boolean> {
    const tokens = session.tokens;
    if (!tokens) return false;
    const response = await baseFetch(
      new Request(`${baseUrl}/auth/refresh`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ refresh_token: tokens.refresh_token }),
      }),
    );
    if (!response.ok) {
      session.clear();
      options.onSignedOut?.();
      return false;
    }
    session.set((await response.json()) as Tokens);
    return true;
  }

  async function authorizedFetch(request: Request): Promise<Response> {
    const retry = request.clone();
    const tokens = session.tokens;
    if (tokens) request.headers.set("Authorization", `Bearer ${tokens.access_token}`);
    let response: Response;
    try {
      response = await baseFetch(request);
    } catch {
      throw new ApiError(0, { code: "NETWORK", message: NETWORK_MESSAGE });
    }
    if (response.status !== 401 || !tokens || request.url.endsWith("/auth/refresh")) return response;
    refreshing ??= refresh().finally(() => (refreshing = null));
    if (!(await refreshing)) return response;
    retry.headers.set("Authorization", `Bearer ${session.tokens?.access_token ?? ""}`);
    return baseFetch(retry);
  }

  return createClient<paths>({ baseUrl, fetch: authorizedFetch });
}

/** The data of an openapi-fetch answer, or its {code, message, field} thrown as an ApiError. */
export async function unwrap<T>(pending: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await pending;
  if (response.ok) return data as T;
  if (isErrorBody(error)) throw new ApiError(response.status, error);
  throw new ApiError(response.status, { code: "HTTP_" + response.status, message: SERVER_MESSAGE });
}
