// Token providers, and the cache that keeps their tokens until shortly before they expire.
import { KeyVaultClientError } from "./errors.js";
import { isClean, redact, redactError } from "./redact.js";

/**
 * What a client asks a token provider for.
 * @example
 * const getToken: GetToken = async (request: TokenRequest) => {
 *   console.log(request.scopes, request.tenantId, request.claims ? "CAE claims" : "");
 *   return { token: "…", expiresOnTimestamp: Date.now() + 3600_000 };
 * };
 */
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

/**
 * A token with its expiry (milliseconds since the epoch).
 * @example
 * const token: AccessToken = { token: "eyJ…", expiresOnTimestamp: Date.now() + 3600_000 };
 * const client = new KeyVaultClient("https://myvault.vault.azure.net", { getToken: () => token });
 */
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

/**
 * The shape of an `@azure/identity` `TokenCredential`, typed structurally so nothing is imported.
 * @example
 * import { ClientSecretCredential } from "@azure/identity";
 * const credential: TokenCredentialLike = new ClientSecretCredential(tenantId, clientId, clientSecret);
 * const getToken = fromTokenCredential(credential);
 */
export interface TokenCredentialLike {
  getToken(
    scopes: string | string[],
    options?: { tenantId?: string; claims?: string; abortSignal?: AbortSignal; enableCae?: boolean },
  ): Promise<{ token: string; expiresOnTimestamp: number } | null>;
}

/**
 * Adapts any `TokenCredential` (e.g. `@azure/identity`'s `DefaultAzureCredential`) to {@link GetToken}.
 * @example
 * import { DefaultAzureCredential } from "@azure/identity";
 * const client = new KeyVaultClient("https://myvault.vault.azure.net", { getToken: fromTokenCredential(new DefaultAzureCredential()) });
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

/**
 * Refresh this long before expiry (the official SDKs use two minutes).
 * @example
 * const token = await getToken({ scopes: ["https://vault.azure.net/.default"] });
 * // a cached token of an hour is asked for again REFRESH_MARGIN_MS (2 min) before it expires
 */
export const REFRESH_MARGIN_MS = 120_000;
/**
 * Tokens kept per provider function (one per scope and tenant); expired ones go first, then the oldest.
 * @example
 * if (cachedTokenCount(getToken) === MAX_TOKENS_PER_PROVIDER) console.warn("this provider serves very many scopes and tenants");
 */
export const MAX_TOKENS_PER_PROVIDER = 500;

/** A cached token. `dead` is set when it is dropped, so a client holding it as a memo notices. */
export interface CachedToken {
  token: string;
  refreshAt: number;
  dead?: boolean;
}

// Keyed by the provider function, so clients made per request (the Workers pattern) that share one
// provider share its tokens. Resolved values only.
const caches = new WeakMap<GetToken, Map<string, CachedToken>>();

const cacheKey = (request: TokenRequest): string => request.scopes.join(" ") + "\n" + (request.tenantId ?? "");

/** A cached, still fresh token for this provider and request, if any. */
export function cachedToken(provider: GetToken, request: TokenRequest, now: number = Date.now()): CachedToken | undefined {
  const entry = caches.get(provider)?.get(cacheKey(request));
  return entry && now < entry.refreshAt ? entry : undefined;
}

/** Drops a provider's cached token for a request (after the vault refused it). */
export function forgetToken(provider: GetToken, request: TokenRequest): void {
  drop(caches.get(provider), cacheKey(request));
}

/** Drops one token of a provider's map, marking it dead. */
function drop(map: Map<string, CachedToken> | undefined, key: string): void {
  const entry = map?.get(key);
  if (entry) {
    entry.dead = true;
    map!.delete(key);
  }
}

/**
 * How many tokens are cached for a provider (tests of the bound).
 * @example
 * await client.fetch("/keys");
 * cachedTokenCount(getToken); // 1: one token, for the vault's scope and tenant
 */
export function cachedTokenCount(provider: GetToken): number {
  return caches.get(provider)?.size ?? 0;
}

function remember(provider: GetToken, key: string, entry: CachedToken, now: number): void {
  let map = caches.get(provider);
  if (!map) caches.set(provider, (map = new Map()));
  drop(map, key);
  if (map.size >= MAX_TOKENS_PER_PROVIDER) {
    for (const [k, e] of map) if (now >= e.refreshAt) drop(map, k);
    // Still full of fresh tokens: the oldest go (Map order is insertion order).
    for (const [k] of map) if (map.size >= MAX_TOKENS_PER_PROVIDER) drop(map, k);
  }
  map.set(key, entry);
}

const providerError = (what: string, cause?: unknown) => new KeyVaultClientError("ERR_TOKEN", `the token provider ${what}`, { cause });

// A header value cannot carry control characters or spaces; a bearer token never has them.
const HEADER_SAFE = /^[\x21-\x7e]+$/;

/**
 * Calls the provider and validates what it returns; tokens with an expiry are cached and returned
 * as their cache entry, bare strings as they are. Errors become `KeyVaultClientError` `ERR_TOKEN`
 * whose message and cause are redacted: no token, no JWT-shaped text.
 */
export async function requestToken(provider: GetToken, request: TokenRequest): Promise<CachedToken | string> {
  let result: string | AccessToken;
  try {
    result = await provider(request);
  } catch (cause) {
    if (request.signal?.aborted) throw request.signal.reason;
    // Refresh failures often quote the token they tried to refresh: the old one is redacted too.
    const old = [caches.get(provider)?.get(cacheKey(request))?.token];
    // Our own errors (AuthorityError, say) stay as they are, for `instanceof`, when nothing in them needs redacting.
    const safe = cause instanceof KeyVaultClientError && isClean(cause, old) ? cause : redactError(cause, old);
    throw providerError(`failed: ${redact(`${safe.name} ${(safe as { code?: string }).code ?? ""}: ${safe.message}`)}`, safe);
  }
  const token = typeof result === "string" ? result : result?.token;
  if (typeof token !== "string" || !token) throw providerError("returned no token");
  if (!HEADER_SAFE.test(token)) throw providerError("returned a token with spaces or control characters");
  if (typeof result === "string") return token;
  const now = Date.now();
  const expires = Number(result.expiresOnTimestamp);
  if (!(expires > now)) return token; // no usable expiry: used once, like a bare string
  const entry: CachedToken = { token, refreshAt: expires - Math.min(REFRESH_MARGIN_MS, (expires - now) / 2) };
  remember(provider, cacheKey(request), entry, now);
  return entry;
}
