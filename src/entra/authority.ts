// Entra ID authority: host checks, the token endpoint, tenant choice, the CAE claims to send,
// and the client-credentials request every app-registration provider shares.
import { isLoopbackHost } from "../challenge.js";
import { base64UrlDecode, utf8Decode } from "../encoding.js";
import { KeyVaultClientError } from "../errors.js";
import type { AccessToken, TokenRequest } from "../token.js";
import { withTokenCache } from "./cache.js";
import { checkRetry, sendTokenRequest, type FetchLike, type ProviderRetryOptions } from "./http.js";
import { checkType, describe, invalid } from "../input.js";

/**
 * Public Azure's authority. Sovereign clouds: `https://login.microsoftonline.us`, `https://login.chinacloudapi.cn`.
 * @example
 * const getToken = fromClientSecret({ tenantId, clientId, clientSecret, authorityHost: env.AZURE_AUTHORITY_HOST || DEFAULT_AUTHORITY_HOST });
 */
export const DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com";

/**
 * Options every app-registration provider (secret, certificate, assertion) takes.
 * @example
 * const app: AppProviderOptions = { tenantId, clientId, authorityHost: "https://login.microsoftonline.us", additionallyAllowedTenants: ["*"] };
 * const getToken = fromClientSecret({ ...app, clientSecret });
 */
export interface AppProviderOptions {
  /** Directory (tenant) id or domain of the app registration. */
  tenantId: string;
  /** Application (client) id. */
  clientId: string;
  /** Authority host (default `https://login.microsoftonline.com`); https only, or loopback http by opt-in. */
  authorityHost?: string;
  /**
   * Tenants besides `tenantId` a vault's challenge may ask for; `["*"]` allows any. By default a
   * challenge naming another tenant is refused (as the official credentials do).
   */
  additionallyAllowedTenants?: string[];
  /** Ask for CAE-capable tokens (client capability `cp1`, as the official credentials send it); default true: the client answers CAE challenges. */
  enableCae?: boolean;
  /** The fetch to send with (default: the global fetch; the emulator's fetch in tests). */
  fetch?: FetchLike;
  /** Allow a plain-http authority on loopback (localhost, 127.0.0.0/8, [::1]), for local emulators. */
  allowInsecureLoopback?: boolean;
  /** Retries for throttled or failing token requests, or `false` (default: the client's, `DEFAULT_RETRY`: 3 retries). */
  retry?: ProviderRetryOptions | false;
}

/** A tenant id or domain: letters, digits, `-`, `.`, `_` (nothing that could change the URL path). */
const TENANT = /^[0-9A-Za-z][0-9A-Za-z._-]{0,127}$/;

/** Throws unless `tenant` is safe to put in the authority path. */
export function checkTenant(tenant: unknown, what = "tenantId"): string {
  if (typeof tenant !== "string" || !TENANT.test(tenant) || tenant.includes("..")) {
    throw new KeyVaultClientError(
      "ERR_INVALID_INPUT",
      `${what} must be a tenant id or domain (got ${JSON.stringify(String(tenant).slice(0, 80))})`,
    );
  }
  return tenant;
}

/**
 * Parses and checks an authority host: https, or http on loopback with `allowInsecureLoopback`;
 * no credentials, query or fragment. Returns it without a trailing slash.
 */
export function authorityBase(host: string | undefined, allowInsecureLoopback = false): string {
  let url: URL;
  try {
    url = new URL(host ?? DEFAULT_AUTHORITY_HOST);
  } catch {
    throw new KeyVaultClientError("ERR_INVALID_INPUT", `authorityHost is not a URL: ${String(host)}`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new KeyVaultClientError("ERR_INVALID_INPUT", "authorityHost must not carry credentials, a query or a fragment");
  }
  if (url.protocol !== "https:") {
    const loopback = url.protocol === "http:" && isLoopbackHost(url.hostname);
    if (!loopback) throw new KeyVaultClientError("ERR_INSECURE_URL", `secrets are sent only over https (authorityHost ${url.origin})`);
    if (!allowInsecureLoopback)
      throw new KeyVaultClientError(
        "ERR_INSECURE_URL",
        "plain http authority refused; for a loopback emulator pass allowInsecureLoopback: true",
      );
  }
  return url.href.replace(/\/+$/, "");
}

/**
 * `{authority}/{tenant}/oauth2/v2.0/token`: also the audience of client assertions.
 * @example
 * tokenEndpoint(DEFAULT_AUTHORITY_HOST, "contoso.onmicrosoft.com").href
 * // "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
 */
export function tokenEndpoint(base: string, tenant: string): URL {
  if (typeof base !== "string" || typeof tenant !== "string")
    throw invalid(`tokenEndpoint(base, tenant) takes two strings; got ${describe(base)} and ${describe(tenant)}`);
  return new URL(`${base}/${encodeURIComponent(tenant)}/oauth2/v2.0/token`);
}

/**
 * The tenant to ask: the configured one, unless the request names another that
 * `additionallyAllowedTenants` allows (`"*"`: any). Otherwise throws `ERR_TENANT_NOT_ALLOWED`.
 * @example
 * chooseTenant("contoso.onmicrosoft.com", "fabrikam.onmicrosoft.com", ["fabrikam.onmicrosoft.com"]); // "fabrikam.onmicrosoft.com"
 * chooseTenant("contoso.onmicrosoft.com", "fabrikam.onmicrosoft.com"); // throws ERR_TENANT_NOT_ALLOWED
 */
export function chooseTenant(configured: string, requested: string | undefined, allowed: readonly string[] = []): string {
  if (typeof configured !== "string") throw invalid(`chooseTenant: the configured tenant must be a string; got ${describe(configured)}`);
  if (!requested || requested.toLowerCase() === configured.toLowerCase()) return configured;
  checkTenant(requested, "the challenge's tenant");
  if (configured.toLowerCase() === "adfs") {
    throw new KeyVaultClientError("ERR_TENANT_NOT_ALLOWED", "an AD FS authority cannot switch tenants");
  }
  if (allowed.includes("*") || allowed.some((t) => t.toLowerCase() === requested.toLowerCase())) return requested;
  throw new KeyVaultClientError(
    "ERR_TENANT_NOT_ALLOWED",
    `the vault asks for tenant ${requested}, but this provider is configured for ${configured}; add it to additionallyAllowedTenants (or "*") to allow it`,
  );
}

/** The `claims` form value: the challenge's claims, plus `xms_cc: cp1` when the client is CAE-capable. */
export function claimsParameter(claims: string | undefined, enableCae: boolean): string | undefined {
  if (!enableCae) return claims ? JSON.stringify(claimsJson(claims)) : undefined;
  let parsed: Record<string, unknown> = {};
  if (claims) {
    const value = claimsJson(claims);
    if (value && typeof value === "object" && !Array.isArray(value)) parsed = value as Record<string, unknown>;
    else throw new KeyVaultClientError("ERR_INVALID_INPUT", "the claims to send are not a JSON object");
  }
  const accessToken =
    parsed.access_token && typeof parsed.access_token === "object" ? (parsed.access_token as Record<string, unknown>) : {};
  return JSON.stringify({ ...parsed, access_token: { ...accessToken, xms_cc: { values: ["cp1"] } } });
}

/** Claims as JSON text (what the client passes), or as the base64 a CAE challenge carries. */
function claimsJson(claims: string): unknown {
  try {
    return JSON.parse(claims);
  } catch {
    /* maybe base64 */
  }
  try {
    return JSON.parse(utf8Decode(base64UrlDecode(claims.trim())));
  } catch {
    throw new KeyVaultClientError("ERR_INVALID_INPUT", "the claims to send are neither JSON nor base64 of JSON");
  }
}

/** The scope form value: the requested scopes, space-separated (client credentials want `<resource>/.default`). */
export function scopeParameter(scopes: readonly string[]): string {
  if (!Array.isArray(scopes) || scopes.length === 0 || scopes.some((s) => typeof s !== "string" || !s)) {
    throw new KeyVaultClientError("ERR_INVALID_INPUT", "a token request needs at least one scope");
  }
  return scopes.join(" ");
}

/** Checked, fixed parts of an app-registration provider. */
export interface AppAuthority {
  base: string;
  tenantId: string;
  clientId: string;
  allowed: string[];
  enableCae: boolean;
  fetch: FetchLike | undefined;
  retry: ProviderRetryOptions | false | undefined;
}

/** Validates the options shared by the app-registration providers (at creation, not first use). */
export function appAuthority(options: AppProviderOptions, kind: string): AppAuthority {
  if (!options || typeof options !== "object" || Array.isArray(options)) {
    // The @azure/identity credentials take tenant, client and credential positionally; these are named.
    throw invalid(
      `${kind} takes one options object ({ tenantId, clientId, … }); got ${describe(options)}${typeof options === "string" ? `: ${kind}({ tenantId, clientId, … }), not positional arguments` : ""}`,
    );
  }
  checkTenant(options.tenantId);
  if (typeof options.clientId !== "string" || !options.clientId)
    throw invalid(`${kind}: clientId is required (the application id); got ${describe(options.clientId)}`);
  checkType(options.authorityHost, "string", `${kind}: authorityHost`);
  checkType(options.allowInsecureLoopback, "boolean", `${kind}: allowInsecureLoopback`);
  checkType(options.enableCae, "boolean", `${kind}: enableCae`);
  checkType(options.fetch, "function", `${kind}: fetch`);
  checkRetry(options.retry, kind);
  const allowed = options.additionallyAllowedTenants ?? [];
  if (!Array.isArray(allowed) || allowed.some((t) => typeof t !== "string")) {
    throw new KeyVaultClientError("ERR_INVALID_INPUT", `${kind}: additionallyAllowedTenants must be an array of tenant ids`);
  }
  return {
    base: authorityBase(options.authorityHost, options.allowInsecureLoopback === true),
    tenantId: options.tenantId,
    clientId: options.clientId,
    allowed: [...allowed],
    enableCae: options.enableCae !== false,
    fetch: options.fetch,
    retry: options.retry,
  };
}

/** The form fields an app sends to prove who it is, and the values among them that must never show in an error. */
export interface AppCredential {
  fields: Record<string, string>;
  secrets: string[];
}

/**
 * The token provider of an app registration: the request's tenant (checked against the allowed
 * ones), a client-credentials request with the fields `credential` gives for that tenant's token
 * endpoint, and the tokens cached per tenant and scopes.
 */
export function appTokenProvider(
  authority: AppAuthority,
  credential: (endpoint: URL, tenantId: string, signal: AbortSignal | undefined) => Promise<AppCredential>,
): (request: TokenRequest) => Promise<AccessToken> {
  const tenantOf = (r: TokenRequest) => chooseTenant(authority.tenantId, r.tenantId, authority.allowed);
  return withTokenCache(
    (request) => {
      const tenantId = tenantOf(request);
      return clientCredentials(authority, request, tenantId, (endpoint) => credential(endpoint, tenantId, request.signal));
    },
    (request) => `${tenantOf(request)}\n${request.scopes.join(" ")}`,
  );
}

/**
 * POSTs a client-credentials request. `credential` gives the credential form fields for the
 * token endpoint (a secret, or an assertion whose audience is that endpoint) and the values
 * that must never show in an error.
 */
export async function clientCredentials(
  authority: AppAuthority,
  request: TokenRequest,
  tenant: string,
  credential: (endpoint: URL) => Promise<AppCredential>,
): Promise<AccessToken> {
  const endpoint = tokenEndpoint(authority.base, tenant);
  const form = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: authority.clientId,
    scope: scopeParameter(request.scopes),
  });
  const { fields, secrets } = await credential(endpoint);
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  const claims = claimsParameter(request.claims, authority.enableCae);
  if (claims) form.set("claims", claims);
  return sendTokenRequest(
    endpoint,
    {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded;charset=UTF-8", accept: "application/json" },
      body: form.toString(),
    },
    { fetch: authority.fetch, signal: request.signal, secrets, retry: authority.retry },
  );
}
