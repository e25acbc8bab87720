// A tiny stand-in for @azure/msal-browser's PublicClientApplication, just enough for the demo to
// sign in against the emulator's authority: the authorization-code flow with PKCE by redirect, a
// token cache in sessionStorage, and refresh tokens for silent renewal (CAE claims included).
// It has MSAL's method and field names, so the page hands it to fromMsal exactly as it would hand
// the real one. For a real tenant, use @azure/msal-browser instead (see the README).

export interface TinyMsalConfig {
  clientId: string;
  /** e.g. `http://localhost:8443/<tenant>` (the emulator) or `https://login.microsoftonline.com/<tenant>` */
  authority: string;
  redirectUri: string;
  /** `["CP1"]` asks for CAE-capable tokens, as MSAL's `clientCapabilities` does */
  clientCapabilities?: string[];
}

export interface Account {
  homeAccountId: string;
  username: string;
  tenantId: string;
}
export interface AuthenticationResult {
  accessToken: string;
  expiresOn: Date | null;
  account: Account;
  scopes: string[];
}
interface TokenRequest {
  scopes: string[];
  account?: Account;
  claims?: string;
}

/** MSAL's error for "only the user can fix this"; fromMsal recognises it by name and errorCode. */
export class InteractionRequiredAuthError extends Error {
  override name = "InteractionRequiredAuthError";
  constructor(
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

const OIDC = ["openid", "profile", "offline_access"];
const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

export class TinyPublicClient {
  private readonly store = sessionStorage;
  constructor(private readonly config: TinyMsalConfig) {}

  getActiveAccount(): Account | null {
    const raw = this.store.getItem(this.key("account"));
    return raw ? JSON.parse(raw) : null;
  }

  getAllAccounts(): Account[] {
    const account = this.getActiveAccount();
    return account ? [account] : [];
  }

  /** Starts a sign-in: remembers a fresh PKCE verifier and state, then leaves for the authority. */
  async acquireTokenRedirect(request: TokenRequest): Promise<void> {
    const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
    const challenge = b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
    const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
    const scopes = [...new Set([...OIDC, ...request.scopes])];
    this.store.setItem(this.key("pending"), JSON.stringify({ state, verifier, scopes, claims: request.claims ?? null }));
    const params = new URLSearchParams({
      client_id: this.config.clientId,
      response_type: "code",
      redirect_uri: this.config.redirectUri,
      scope: scopes.join(" "),
      state,
      code_challenge: challenge,
      code_challenge_method: "S256",
      nonce: b64url(crypto.getRandomValues(new Uint8Array(16))),
    });
    if (request.account) params.set("login_hint", request.account.username);
    if (request.claims) params.set("claims", this.withCapabilities(request.claims));
    location.assign(`${this.config.authority}/oauth2/v2.0/authorize?${params}`);
  }

  /** On the page the authority sent the user back to: redeems the code, once. */
  async handleRedirectPromise(): Promise<AuthenticationResult | null> {
    const url = new URL(location.href);
    const code = url.searchParams.get("code"),
      state = url.searchParams.get("state"),
      error = url.searchParams.get("error");
    const pending = JSON.parse(this.store.getItem(this.key("pending")) ?? "null");
    if ((!code && !error) || !pending) return null;
    this.store.removeItem(this.key("pending"));
    history.replaceState(null, "", url.pathname); // the code is single-use: keep it out of history
    if (state !== pending.state) throw new Error("sign-in answer with a foreign state: ignored");
    if (error) throw new Error(`sign-in failed: ${url.searchParams.get("error_description") ?? error}`);
    return this.tokenRequest(
      {
        grant_type: "authorization_code",
        code: code!,
        redirect_uri: this.config.redirectUri,
        code_verifier: pending.verifier,
        scope: pending.scopes.join(" "),
      },
      pending.scopes,
      pending.claims,
    );
  }

  /** From the cache while fresh; else with the refresh token (claims skip the cache, as in MSAL). */
  async acquireTokenSilent(request: TokenRequest & { account: Account }): Promise<AuthenticationResult> {
    const scopes = request.scopes.filter((s) => !OIDC.includes(s));
    const cacheKey = this.key(`at:${scopes.join(" ").toLowerCase()}`);
    const cached = JSON.parse(this.store.getItem(cacheKey) ?? "null");
    if (!request.claims && cached && cached.expiresOn - Date.now() > 5 * 60_000) {
      return { accessToken: cached.accessToken, expiresOn: new Date(cached.expiresOn), account: request.account, scopes };
    }
    const refreshToken = this.store.getItem(this.key("rt"));
    if (!refreshToken) throw new InteractionRequiredAuthError("no_tokens_found", "No refresh token found in the cache. Please sign-in.");
    return this.tokenRequest(
      { grant_type: "refresh_token", refresh_token: refreshToken, scope: [...scopes, "offline_access"].join(" ") },
      scopes,
      request.claims ?? null,
    );
  }

  logout(): void {
    for (const k of Object.keys(this.store)) if (k.startsWith(this.key(""))) this.store.removeItem(k);
  }

  private async tokenRequest(fields: Record<string, string>, scopes: string[], claims: string | null): Promise<AuthenticationResult> {
    const body = new URLSearchParams({ client_id: this.config.clientId, client_info: "1", ...fields });
    if (claims || this.config.clientCapabilities?.length) body.set("claims", this.withCapabilities(claims ?? "{}"));
    const res = await fetch(`${this.config.authority}/oauth2/v2.0/token`, { method: "POST", body });
    const json = await res.json();
    if (!res.ok) {
      if (json.error === "invalid_grant" || json.error === "interaction_required")
        throw new InteractionRequiredAuthError("interaction_required", json.error_description);
      throw new Error(`token request failed: ${json.error_description ?? res.status}`);
    }
    const info = JSON.parse(atob(json.client_info.replace(/-/g, "+").replace(/_/g, "/")));
    const previous = this.getActiveAccount();
    let username = previous?.username ?? "";
    if (json.id_token) username = JSON.parse(atob(json.id_token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))).preferred_username;
    const account: Account = { homeAccountId: `${info.uid}.${info.utid}`, username, tenantId: info.utid };
    const expiresOn = Date.now() + json.expires_in * 1000;
    const apiScopes = scopes.filter((s) => !OIDC.includes(s));
    this.store.setItem(this.key("account"), JSON.stringify(account));
    this.store.setItem(this.key("rt"), json.refresh_token);
    this.store.setItem(this.key(`at:${apiScopes.join(" ").toLowerCase()}`), JSON.stringify({ accessToken: json.access_token, expiresOn }));
    return { accessToken: json.access_token, expiresOn: new Date(expiresOn), account, scopes: apiScopes };
  }

  /** The claims asked for, with the client's capabilities (CP1) merged in. */
  private withCapabilities(claims: string): string {
    const parsed = JSON.parse(claims);
    if (!this.config.clientCapabilities?.length) return JSON.stringify(parsed);
    return JSON.stringify({ ...parsed, access_token: { ...parsed.access_token, xms_cc: { values: this.config.clientCapabilities } } });
  }

  private key(name: string): string {
    return `tiny-msal.${this.config.clientId}.${name}`;
  }
}
