// Tokens of one app's signed-in session, kept in localStorage under the app's own key so the
// members' app and the console can be signed in as different people in one browser.

export interface Tokens {
  access_token: string;
  refresh_token: string;
}

export class SessionStore {
  private readonly key: string;
  private listeners = new Set<(tokens: Tokens | null) => void>();

  constructor(app: string) {
    this.key = `zhtj.${app}.session`;
  }

  get tokens(): Tokens | null {
    const raw = localStorage.getItem(this.key);
    if (!raw) return null;
    try {
      const parsed = JSON.parse(raw) as Partial<Tokens>;
      return parsed.access_token && parsed.refresh_token
        ? { access_token: parsed.access_token, refresh_token: parsed.refresh_token }
        : null;
    } catch {
      return null;
    }
  }

  set(tokens: Tokens): void {
    localStorage.setItem(this.key, JSON.stringify({ access_token: tokens.access_token, refresh_token: tokens.refresh_token }));
    this.listeners.forEach((listener) => listener(tokens));
  }

  /** A new access token for the same session (after switching organisation or changing the password). */
  replaceAccess(accessToken: string): void {
    const tokens = this.tokens;
    if (tokens) this.set({ ...tokens, access_token: accessToken });
  }

  clear(): void {
    localStorage.removeItem(this.key);
    this.listeners.forEach((listener) => listener(null));
  }

  onChange(listener: (tokens: Tokens | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
