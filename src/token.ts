// Token providers, and the one token source: a cache per provider that keeps tokens until shortly
// before they expire (the refresh rule), and, per client, one provider call shared by concurrent callers.
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
 * Refresh this long before expiry (the official SDKs use two minutes); a token of a shorter life is
 * refreshed at half of it.
 * @example
 * const token = await getToken({ scopes: ["https://vault.azure.net/.default"] });
 * // a cached token of an hour is asked for again REFRESH_MARGIN_MS (2 min) before it expires
 */
export const REFRESH_MARGIN_MS = 120_000;
/**
 * Tokens kept per provider (one per scope and tenant); expired ones go first, then the oldest.
 * @example
 * if (cachedTokenCount(getToken) === MAX_TOKENS_PER_PROVIDER) console.warn("this provider serves very many scopes and tenants");
 */
export const MAX_TOKENS_PER_PROVIDER = 500;

interface Entry extends AccessToken {
  refreshAt: number;
}

/** Tokens of one provider by key (scope and tenant). Resolved values only, never a promise. */
export class TokenCache {
  readonly #entries = new Map<string, Entry>();

  get size(): number {
    return this.#entries.size;
  }

  /** The token for `key` while it needs no refresh. */
  fresh(key: string): AccessToken | undefined {
    const entry = this.#entries.get(key);
    return entry && Date.now() < entry.refreshAt ? entry : undefined;
  }

  /** The token for `key` while it is valid for `marginMs` more (due for refresh or not). */
  valid(key: string, marginMs: number): AccessToken | undefined {
    const entry = this.#entries.get(key);
    return entry && Date.now() < entry.expiresOnTimestamp - marginMs ? entry : undefined;
  }

  /** Keeps a token until its refresh time; one without a usable expiry is not kept. */
  put(key: string, token: AccessToken): void {
    const now = Date.now();
    const expiresOnTimestamp = Number(token.expiresOnTimestamp);
    if (!(expiresOnTimestamp > now)) return;
    const map = this.#entries;
    map.delete(key);
    if (map.size >= MAX_TOKENS_PER_PROVIDER) {
      for (const [k, e] of map) if (now >= e.refreshAt) map.delete(k);
      // Still full of fresh tokens: the oldest go (Map order is insertion order).
      for (const [k] of map) if (map.size >= MAX_TOKENS_PER_PROVIDER) map.delete(k);
    }
    const refreshAt = expiresOnTimestamp - Math.min(REFRESH_MARGIN_MS, (expiresOnTimestamp - now) / 2);
    map.set(key, { token: token.token, expiresOnTimestamp, refreshAt });
  }

  drop(key: string): void {
    this.#entries.delete(key);
  }
}

// Keyed by the provider function, so clients made per request (the Workers pattern) that share one
// provider share its tokens.
const caches = new WeakMap<GetToken, TokenCache>();

function cacheOf(provider: GetToken): TokenCache {
  let cache = caches.get(provider);
  if (!cache) caches.set(provider, (cache = new TokenCache()));
  return cache;
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

const keyOf = (request: TokenRequest): string => request.scopes.join(" ") + "\n" + (request.tenantId ?? "");

const providerError = (what: string, cause?: unknown) => new KeyVaultClientError("ERR_TOKEN", `the token provider ${what}`, { cause });

// A header value cannot carry control characters or spaces; a bearer token never has them.
const HEADER_SAFE = /^[\x21-\x7e]+$/;

/**
 * A client's tokens: the provider's cache, and one provider call per request shared by this client's
 * concurrent callers. Errors are `KeyVaultClientError` `ERR_TOKEN` whose message and cause are
 * redacted: no token, no JWT-shaped text.
 */
export class TokenSource {
  readonly #provider: GetToken;
  readonly #cache: TokenCache;
  readonly #pending = new Map<string, Promise<string>>();

  constructor(provider: GetToken) {
    this.#provider = provider;
    this.#cache = cacheOf(provider);
  }

  /** A cached token that needs no refresh (never for a request with claims). */
  cached(request: TokenRequest): string | undefined {
    return request.claims ? undefined : this.#cache.fresh(keyOf(request))?.token;
  }

  /** Drops the cached token for a request (after the vault refused it). */
  forget(request: TokenRequest): void {
    this.#cache.drop(keyOf(request));
  }

  /**
   * The provider's answer to `request`, shared with this client's callers who ask the same while it
   * is pending (`tag` tells apart calls that must not be shared, such as a CAE and a plain refresh).
   * It carries no caller's signal: one caller giving up must not fail the others.
   */
  request(request: TokenRequest, tag: string): { token: Promise<string>; shared: boolean } {
    const key = `${keyOf(request)}\n${request.claims ?? ""}\n${tag}`;
    let token = this.#pending.get(key);
    if (token) return { token, shared: true };
    token = this.#ask(request);
    this.#pending.set(key, token);
    const clear = () => this.#pending.delete(key);
    token.then(clear, clear);
    return { token, shared: false };
  }

  async #ask(request: TokenRequest): Promise<string> {
    let result: string | AccessToken;
    try {
      result = await this.#provider(request);
    } catch (cause) {
      // Refresh failures often quote the token they tried to refresh: the old one is redacted too.
      const old = [this.#cache.valid(keyOf(request), -Infinity)?.token];
      // Our own errors (AuthorityError, say) stay as they are, for `instanceof`, when nothing in them needs redacting.
      const safe = cause instanceof KeyVaultClientError && isClean(cause, old) ? cause : redactError(cause, old);
      const code = (safe as { code?: string }).code;
      throw providerError(`failed: ${redact(`${safe.name}${code ? ` ${code}` : ""}: ${safe.message}`)}`, safe);
    }
    const token = typeof result === "string" ? result : result?.token;
    if (typeof token !== "string" || !token) throw providerError("returned no token");
    if (!HEADER_SAFE.test(token)) throw providerError("returned a token with spaces or control characters");
    if (typeof result !== "string") this.#cache.put(keyOf(request), result);
    return token;
  }
}
