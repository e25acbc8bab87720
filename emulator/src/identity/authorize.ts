// Interactive sign-in for single-page apps: the authorization-code flow with PKCE (RFC 7636), as
// Entra ID runs it for an app registered with SPA redirect URIs. /authorize shows a sign-in form
// (any user name in the tenant is accepted: the emulator has no directory of users), redirects back
// with a one-time code, and the token endpoint redeems it, cross-origin only, for a delegated access
// token, an ID token and a refresh token (24 h, rotated on use, as for SPAs). No session recording
// of this flow exists in test/fixtures: its answers follow Entra's documented shapes and AADSTS codes.
import { b64url, randomBytes, utf8 } from "../bytes.js";
import type { MintOptions } from "./authority.js";

/** What the sign-in flow needs from the authority it belongs to. */
export interface SignInHost {
  host(): string;
  knownTenant(tenant: string): boolean;
  /** The SPA redirect URIs of an app: undefined when there is no such app. */
  redirectUris(tenant: string, clientId: string): readonly string[] | undefined;
  mintToken(options: MintOptions): Promise<{ token: string; expiresOn: number }>;
  signJws(payload: Record<string, unknown>): Promise<string>;
  now(): number;
  lifetimeSeconds(): number;
}

interface Grant {
  clientId: string;
  tenant: string;
  username: string;
  oid: string;
  scopes: string[];
  expires: number;
}
interface Code extends Grant {
  redirectUri: string;
  challenge: string;
  nonce?: string;
}

const CODE_SECONDS = 600;
const REFRESH_SECONDS = 24 * 3600;
const OIDC = new Set(["openid", "profile", "offline_access", "email"]);
// The resource a sign-in without an API scope gets a token for, as Entra defaults to Microsoft Graph.
const DEFAULT_RESOURCE = "https://graph.microsoft.com";

/** The authorization-code + PKCE flow of one emulated authority. */
export class InteractiveSignIn {
  private readonly codes = new Map<string, Code>();
  private readonly refreshTokens = new Map<string, Grant>();
  private readonly users = new Map<string, string>();

  constructor(private readonly authority: SignInHost) {}

  /** GET shows the sign-in form; POST (the form) signs in and redirects back with a code. */
  async authorize(request: Request, url: URL, tenant: string): Promise<Response> {
    const params = url.searchParams;
    if (!this.authority.knownTenant(tenant)) return errorPage(400, 90002, `Tenant '${tenant}' not found.`);
    const clientId = params.get("client_id") ?? "";
    const uris = this.authority.redirectUris(tenant, clientId);
    if (!clientId || uris === undefined)
      return errorPage(400, 700016, `Application with identifier '${clientId}' was not found in the directory '${tenant}'.`);
    const redirectUri = params.get("redirect_uri") ?? "";
    // Never redirect to an address the app did not register: say so on the page instead.
    if (!uris.includes(redirectUri))
      return errorPage(
        400,
        50011,
        `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'.`,
      );
    const back = (fields: Record<string, string>) =>
      redirect(redirectUri, params.get("response_mode") === "fragment", {
        ...fields,
        ...(params.get("state") ? { state: params.get("state")! } : {}),
      });
    const fail = (error: string, code: number, description: string) => back({ error, error_description: `AADSTS${code}: ${description}` });
    if (params.get("response_type") !== "code")
      return fail("unsupported_response_type", 700054, "response_type must be 'code' for this application.");
    const scopes = (params.get("scope") ?? "").split(/\s+/).filter(Boolean);
    if (!scopes.length) return fail("invalid_request", 900144, "The request body must contain the following parameter: 'scope'.");
    const challenge = params.get("code_challenge") ?? "";
    if (!challenge)
      return fail("invalid_request", 9002325, "Proof Key for Code Exchange is required for cross-origin authorization code redemption.");
    if (params.get("code_challenge_method") !== "S256" || !/^[A-Za-z0-9_-]{43}$/.test(challenge))
      return fail("invalid_request", 501491, "The code_challenge must be an S256 challenge (code_challenge_method=S256).");
    // No single sign-on session exists here, so a silent (prompt=none) request needs the user.
    if (params.get("prompt") === "none")
      return fail("login_required", 50058, "A silent sign-in request was sent but no user is signed in.");

    if (request.method === "GET") return signInPage(url, params.get("login_hint") ?? `user@${tenant}`, clientId, "");
    if (request.method !== "POST") return errorPage(405, 900561, "The endpoint only accepts GET and POST requests.");
    const form = new URLSearchParams(await request.text());
    const username = (form.get("username") ?? "").trim();
    if (!/^[^@\s<>"']+@[^@\s<>"']+$/.test(username)) return signInPage(url, username, clientId, "Enter a user name like user@contoso.com.");
    const code = b64url(randomBytes(32));
    const nonce = params.get("nonce");
    this.codes.set(code, {
      clientId,
      tenant,
      username,
      oid: this.userId(tenant, username),
      scopes,
      redirectUri,
      challenge,
      ...(nonce ? { nonce } : {}),
      expires: this.seconds() + CODE_SECONDS,
    });
    return back({ code, client_info: clientInfo(this.userId(tenant, username), tenant) });
  }

  /** The token endpoint's `authorization_code` and `refresh_token` grants. */
  async redeem(request: Request, form: URLSearchParams, tenant: string): Promise<Response> {
    const origin = request.headers.get("origin");
    const clientId = form.get("client_id") ?? "";
    const uris = this.authority.redirectUris(tenant, clientId);
    if (!clientId || uris === undefined)
      return oauthError(
        400,
        "unauthorized_client",
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${tenant}'.`,
        null,
      );
    // SPA tokens are redeemed by the page itself, cross-origin, from an origin the app registered.
    const allowed = origin !== null && uris.some((u) => new URL(u).origin === origin) ? origin : null;
    if (!allowed)
      return oauthError(
        400,
        "invalid_request",
        9002327,
        "Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests.",
        null,
      );
    const claims = form.get("claims");
    let caeCapable = false;
    if (claims) {
      try {
        caeCapable = JSON.stringify(JSON.parse(claims)?.access_token?.xms_cc ?? "")
          .toUpperCase()
          .includes("CP1");
      } catch {
        return oauthError(400, "invalid_request", 90017, "The claims parameter is not valid JSON.", allowed);
      }
    }
    const now = this.seconds();
    if (form.get("grant_type") === "authorization_code") {
      const code = this.codes.get(form.get("code") ?? "");
      if (!code || code.expires <= now)
        return oauthError(
          400,
          "invalid_grant",
          70008,
          "The provided authorization code or refresh token has expired due to inactivity.",
          allowed,
        );
      this.codes.delete(form.get("code")!); // one use only
      if (code.clientId.toLowerCase() !== clientId.toLowerCase() || code.tenant.toLowerCase() !== tenant.toLowerCase())
        return oauthError(400, "invalid_grant", 70008, "The authorization code was issued to another application.", allowed);
      if (form.get("redirect_uri") !== code.redirectUri)
        return oauthError(
          400,
          "invalid_grant",
          50011,
          "The redirect URI does not match the one used to request the authorization code.",
          allowed,
        );
      const verifier = form.get("code_verifier") ?? "";
      const expected = b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", utf8(verifier) as Uint8Array<ArrayBuffer>)));
      if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier) || expected !== code.challenge)
        return oauthError(
          400,
          "invalid_grant",
          50148,
          "The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.",
          allowed,
        );
      return this.issue(code, form.get("scope"), caeCapable, code.nonce, allowed);
    }
    const presented = form.get("refresh_token") ?? "";
    const held = this.refreshTokens.get(presented);
    if (!held || held.expires <= now || held.clientId.toLowerCase() !== clientId.toLowerCase()) {
      return oauthError(
        400,
        "invalid_grant",
        700084,
        "The refresh token has expired or was not issued to this application; the user must sign in again.",
        allowed,
      );
    }
    this.refreshTokens.delete(presented); // rotated: each refresh token works once
    return this.issue(held, form.get("scope"), caeCapable, undefined, allowed);
  }

  private async issue(
    grant: Grant,
    requested: string | null,
    caeCapable: boolean,
    nonce: string | undefined,
    origin: string,
  ): Promise<Response> {
    const asked = requested ? requested.split(/\s+/).filter(Boolean) : grant.scopes;
    const api = asked.filter((s) => !OIDC.has(s));
    const resources = [...new Set(api.map((s) => s.replace(/\/[^/]*$/, "")))];
    if (resources.length > 1)
      return oauthError(400, "invalid_scope", 70011, "The provided request must include scopes of at most one resource.", origin);
    const resource = resources[0] ?? DEFAULT_RESOURCE;
    const scp = api.length
      ? api
          .map((s) => s.slice(resource.length + 1))
          .filter((s) => s && s !== ".default")
          .join(" ") || "user_impersonation"
      : "User.Read";
    const lifetime = this.authority.lifetimeSeconds();
    const { token } = await this.authority.mintToken({
      tenantId: grant.tenant,
      clientId: grant.clientId,
      audience: resource,
      caeCapable,
      claims: {
        scp,
        upn: grant.username,
        unique_name: grant.username,
        name: grant.username.split("@")[0],
        oid: grant.oid,
        sub: grant.oid,
        appidacr: "0",
        amr: ["pwd"],
        idtyp: "user",
      },
    });
    const now = this.seconds();
    const refreshToken = b64url(randomBytes(48));
    this.refreshTokens.set(refreshToken, { ...grant, scopes: [...new Set([...grant.scopes, ...asked])], expires: now + REFRESH_SECONDS });
    const out: Record<string, unknown> = {
      token_type: "Bearer",
      scope: asked.filter((s) => s !== "offline_access").join(" "),
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: token,
      refresh_token: refreshToken,
      refresh_token_expires_in: REFRESH_SECONDS,
      client_info: clientInfo(grant.oid, grant.tenant),
    };
    if (grant.scopes.includes("openid")) {
      out.id_token = await this.authority.signJws({
        ver: "2.0",
        iss: `${this.authority.host()}/${grant.tenant}/v2.0`,
        aud: grant.clientId,
        sub: grant.oid,
        oid: grant.oid,
        tid: grant.tenant,
        preferred_username: grant.username,
        name: grant.username.split("@")[0],
        iat: now,
        nbf: now,
        exp: now + lifetime,
        ...(nonce ? { nonce } : {}),
      });
    }
    return json(200, out, origin);
  }

  /** A stable object id per user name, so one user is one principal across sign-ins. */
  private userId(tenant: string, username: string): string {
    const key = `${tenant.toLowerCase()}|${username.toLowerCase()}`;
    let id = this.users.get(key);
    if (!id) this.users.set(key, (id = crypto.randomUUID()));
    return id;
  }

  private seconds(): number {
    return Math.floor(this.authority.now() / 1000);
  }
}

function clientInfo(uid: string, utid: string): string {
  return b64url(utf8(JSON.stringify({ uid, utid })));
}

function redirect(uri: string, fragment: boolean, fields: Record<string, string>): Response {
  const query = new URLSearchParams(fields).toString();
  const location = fragment ? `${uri}#${query}` : `${uri}${uri.includes("?") ? "&" : "?"}${query}`;
  return new Response(null, { status: 302, headers: { location, "cache-control": "no-store" } });
}

function json(status: number, body: unknown, origin: string | null): Response {
  const headers: Record<string, string> = {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store, no-cache",
    pragma: "no-cache",
    vary: "Origin",
  };
  if (origin) headers["access-control-allow-origin"] = origin;
  return new Response(JSON.stringify(body), { status, headers });
}

function oauthError(status: number, error: string, code: number, description: string, origin: string | null): Response {
  return json(
    status,
    { error, error_description: `AADSTS${code}: ${description}`, error_codes: [code], timestamp: new Date().toISOString() },
    origin,
  );
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function html(status: number, body: string): Response {
  return new Response(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in: Key Vault emulator</title>
<meta name="viewport" content="width=device-width"><style>body{font:16px system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem}
input,button{font:inherit;padding:.4rem .6rem}input{width:100%;box-sizing:border-box;margin:.3rem 0 1rem}.error{color:#b00020}</style></head>
<body>${body}</body></html>`,
    { status, headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "x-frame-options": "DENY" } },
  );
}

function signInPage(url: URL, username: string, clientId: string, problem: string): Response {
  return html(
    200,
    `<h1>Sign in</h1><p>Emulated Entra ID. The app <code>${escape(clientId)}</code> asks to use Azure Key Vault as you.</p>
<form method="post" action="${escape(url.pathname + url.search)}"><label for="username">User name</label>
<input id="username" name="username" autocomplete="username" value="${escape(username)}">${problem ? `<p class="error">${escape(problem)}</p>` : ""}
<button id="signin" type="submit">Sign in</button></form>`,
  );
}

function errorPage(status: number, code: number, description: string): Response {
  return html(status, `<h1>Sorry, but we're having trouble signing you in.</h1><p class="error">AADSTS${code}: ${escape(description)}</p>`);
}
