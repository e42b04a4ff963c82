import { AuthApi, Configuration, ResponseError, type TokenPair } from '@berth/api';

/** sessionStorage key of the refresh token (see portal/README.md for why it lives there). */
export const REFRESH_TOKEN_KEY = 'berth.refreshToken';
/** Renew the access token this long before it expires, so a request never leaves with a stale one. */
const RENEW_BEFORE_EXPIRY_MS = 30_000;

export type SessionListener = (signedIn: boolean) => void;

/** What a login sends beyond the password when the account has two-factor sign-in on: one of the two. */
export interface SecondFactor {
  totpCode?: string;
  recoveryCode?: string;
}

export interface SessionOptions {
  storage: Storage;
  basePath?: string;
  fetchApi?: typeof fetch;
  now?: () => number;
}

/**
 * The login session of this browser tab: the access token only in memory, the refresh token in
 * sessionStorage. Refresh tokens rotate and each works once, so at most one refresh is in flight:
 * every caller that needs a fresh access token while one is running waits for that same refresh.
 */
export class Session {
  private accessToken: string | null = null;
  private accessExpiresAt = 0;
  private refreshing: Promise<boolean> | null = null;
  private readonly listeners = new Set<SessionListener>();
  private readonly storage: Storage;
  private readonly now: () => number;
  private readonly publicAuth: AuthApi;
  private readonly signedInAuth: AuthApi;

  constructor(options: SessionOptions) {
    this.storage = options.storage;
    this.now = options.now ?? Date.now;
    const basePath = options.basePath ?? '/api/v1';
    this.publicAuth = new AuthApi(new Configuration({ basePath, fetchApi: options.fetchApi }));
    this.signedInAuth = new AuthApi(new Configuration({
      basePath,
      fetchApi: options.fetchApi,
      accessToken: () => this.accessToken ?? '',
    }));
  }

  /** Whether this tab holds a session that may still be valid. */
  get active(): boolean {
    return this.accessToken !== null || this.storage.getItem(REFRESH_TOKEN_KEY) !== null;
  }

  subscribe(listener: SessionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Logs in; throws the API's ResponseError (401 for wrong credentials, `totp-required` when the
   * account needs a code from its authenticator app, 429 when rate-limited).
   */
  async logIn(email: string, password: string, secondFactor: SecondFactor = {}): Promise<void> {
    const pair = await this.publicAuth.login({ loginRequest: { email, password, ...secondFactor } });
    this.accept(pair);
  }

  /**
   * An access token good for at least the next half minute, renewing it first if needed. Answers ''
   * when the session is over (the request then gets a 401 and the portal asks to log in).
   */
  async accessTokenForRequest(): Promise<string> {
    if (this.accessToken !== null && this.now() < this.accessExpiresAt - RENEW_BEFORE_EXPIRY_MS) {
      return this.accessToken;
    }
    await this.refresh();
    return this.accessToken ?? '';
  }

  /**
   * After the API refused `rejectedToken`: renews the session unless another request already did,
   * and answers the token to retry with, or null when the session is over.
   */
  async renewAfterRejection(rejectedToken: string): Promise<string | null> {
    if (this.accessToken !== null && this.accessToken !== rejectedToken) {
      return this.accessToken;
    }
    this.accessToken = null;
    return (await this.refresh()) ? this.accessToken : null;
  }

  /**
   * Rotates the refresh token. Concurrent callers share one request. Resolves false when the
   * session is over (no token, or the API refused it); rejects on network errors, keeping the token.
   */
  refresh(): Promise<boolean> {
    if (this.refreshing === null) {
      this.refreshing = this.rotate().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  /** Ends the session on the server and here; here even when the server cannot be reached. */
  async logOut(): Promise<void> {
    try {
      if (this.storage.getItem(REFRESH_TOKEN_KEY) !== null) {
        await this.accessTokenForRequest();
        // Read after the line above: it may have rotated the refresh token.
        const refreshToken = this.storage.getItem(REFRESH_TOKEN_KEY);
        if (refreshToken !== null && this.accessToken !== null) {
          await this.signedInAuth.logout({ refreshRequest: { refreshToken } });
        }
      }
    } catch {
      // The server may already consider the session over; locally it ends regardless.
    } finally {
      this.end();
    }
  }

  private async rotate(): Promise<boolean> {
    const refreshToken = this.storage.getItem(REFRESH_TOKEN_KEY);
    if (refreshToken === null) {
      this.end();
      return false;
    }
    try {
      this.accept(await this.publicAuth.refresh({ refreshRequest: { refreshToken } }));
      return true;
    } catch (error) {
      if (error instanceof ResponseError && error.response.status >= 400 && error.response.status < 500
          && error.response.status !== 429) {
        this.end();
        return false;
      }
      throw error;
    }
  }

  private accept(pair: TokenPair): void {
    const wasActive = this.accessToken !== null;
    this.accessToken = pair.accessToken;
    this.accessExpiresAt = this.now() + pair.expiresIn * 1000;
    this.storage.setItem(REFRESH_TOKEN_KEY, pair.refreshToken);
    if (!wasActive) {
      this.listeners.forEach((listener) => listener(true));
    }
  }

  private end(): void {
    const wasActive = this.active;
    this.accessToken = null;
    this.accessExpiresAt = 0;
    this.storage.removeItem(REFRESH_TOKEN_KEY);
    if (wasActive) {
      this.listeners.forEach((listener) => listener(false));
    }
  }
}
