// Token providers, and the cache that keeps their tokens until shortly before they expire.
import { KeyVaultClientError } from "./errors.js";

/** What a client asks a token provider for. */
export interface TokenRequest {
  /** e.g. `["https://vault.azure.net/.default"]` */
  scopes: string[];
  /** the tenant named by the vault's challenge */
  tenantId?: string;
  /** claims of a CAE challenge (JSON text): the new token must carry them */
  claims?: string;
  /**
   * For callers of a provider. `KeyVaultClient` passes none: its token call is shared by concurrent
   * requests, so no one request's signal may cancel it; each request stops waiting on its own signal.
   */
  signal?: AbortSignal;
}

/** A token with its expiry (milliseconds since the epoch). */
export interface AccessToken {
  token: string;
  expiresOnTimestamp: number;
}

/**
 * The token provider a {@link KeyVaultClient} calls. Return a bare string to manage expiry yourself,
 * or an {@link AccessToken} to let the client cache it and refresh it before it expires.
 * @example
 * const getToken: GetToken = async ({ scopes, tenantId }) => ({ token: "…", expiresOnTimestamp: Date.now() + 3600_000 });
 */
export type GetToken = (request: TokenRequest) => string | AccessToken | Promise<string | AccessToken>;

/** The shape of an `@azure/identity` `TokenCredential`, typed structurally so nothing is imported. */
export interface TokenCredentialLike {
  getToken(
    scopes: string | string[],
    options?: { tenantId?: string; claims?: string; abortSignal?: AbortSignal; enableCae?: boolean },
  ): Promise<{ token: string; expiresOnTimestamp: number } | null>;
}

/**
 * Adapts any `TokenCredential` (e.g. `@azure/identity`'s `DefaultAzureCredential`) to {@link GetToken}.
 * @example new KeyVaultClient(url, { getToken: fromTokenCredential(new DefaultAzureCredential()) })
 */
export function fromTokenCredential(credential: TokenCredentialLike): GetToken {
  return async ({ scopes, tenantId, claims, signal }) => {
    const options: { tenantId?: string; claims?: string; abortSignal?: AbortSignal; enableCae: boolean } = { enableCae: true };
    if (tenantId) options.tenantId = tenantId;
    if (claims) options.claims = claims;
    if (signal) options.abortSignal = signal;
    const result = await credential.getToken(scopes, options);
    if (!result) throw new KeyVaultClientError("ERR_TOKEN", "the credential returned no token");
    return { token: result.token, expiresOnTimestamp: result.expiresOnTimestamp };
  };
}

/** Refresh this long before expiry (the official SDKs use two minutes). */
export const REFRESH_MARGIN_MS = 2 * 60 * 1000;

interface CachedToken {
  token: string;
  expiresOnTimestamp: number;
  refreshAt: number;
}

// Keyed by the provider function, so clients made per request (the Workers pattern) that share one
// provider share its tokens. Resolved values only.
const caches = new WeakMap<GetToken, Map<string, CachedToken>>();

function cacheKey(request: TokenRequest): string {
  return `${request.scopes.join(" ")}\n${request.tenantId ?? ""}`;
}

/** A cached, still fresh token for this provider and request, if any. */
export function cachedToken(provider: GetToken, request: TokenRequest, now = Date.now()): string | undefined {
  const entry = caches.get(provider)?.get(cacheKey(request));
  return entry && now < entry.refreshAt ? entry.token : undefined;
}

/** Drops a provider's cached token for a request (after the vault refused it). */
export function forgetToken(provider: GetToken, request: TokenRequest): void {
  caches.get(provider)?.delete(cacheKey(request));
}

/**
 * Calls the provider and validates what it returns; tokens with an expiry are cached.
 * Errors become `KeyVaultClientError` `ERR_TOKEN` (the message never includes the token).
 */
export async function requestToken(provider: GetToken, request: TokenRequest): Promise<string> {
  let result: string | AccessToken;
  try {
    result = await provider(request);
  } catch (cause) {
    if (request.signal?.aborted) throw request.signal.reason;
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new KeyVaultClientError("ERR_TOKEN", `the token provider failed: ${why}`, { cause });
  }
  if (typeof result === "string") {
    if (!result) throw new KeyVaultClientError("ERR_TOKEN", "the token provider returned an empty token");
    return result;
  }
  if (!result || typeof result.token !== "string" || !result.token) {
    throw new KeyVaultClientError("ERR_TOKEN", "the token provider returned no token");
  }
  const now = Date.now();
  const expires = Number(result.expiresOnTimestamp);
  if (Number.isFinite(expires) && expires > now) {
    const lifetime = expires - now;
    const entry: CachedToken = { token: result.token, expiresOnTimestamp: expires, refreshAt: expires - Math.min(REFRESH_MARGIN_MS, lifetime / 2) };
    let map = caches.get(provider);
    if (!map) caches.set(provider, (map = new Map()));
    map.set(cacheKey(request), entry);
  }
  return result.token;
}
