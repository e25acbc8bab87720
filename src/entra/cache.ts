// A provider's own cache: the core's TokenCache (one refresh rule for the client and the providers),
// holding resolved tokens only (never an in-flight promise, which a Worker must not share across requests).
import { TokenCache, type AccessToken, type TokenRequest } from "../token.js";

/** A refresh that fails may still return the cached token while it is valid this much longer. */
const FALLBACK_MARGIN_MS = 30_000;

/**
 * Wraps `fetchToken` in a {@link TokenCache} keyed by `keyOf(request)`. A request with CAE `claims`
 * always goes to the authority (the cached token was revoked) and its answer replaces the entry.
 * When a refresh fails while the cached token is still valid, the cached token is returned.
 */
export function withTokenCache(
  fetchToken: (request: TokenRequest) => Promise<AccessToken>,
  keyOf: (request: TokenRequest) => string,
): (request: TokenRequest) => Promise<AccessToken> {
  const cache = new TokenCache();
  const copy = ({ token, expiresOnTimestamp }: AccessToken): AccessToken => ({ token, expiresOnTimestamp });
  return async (request) => {
    const key = keyOf(request);
    const hit = request.claims ? undefined : cache.fresh(key);
    if (hit) return copy(hit);
    try {
      const fresh = await fetchToken(request);
      cache.put(key, fresh);
      return fresh;
    } catch (e) {
      const fallback = request.claims || request.signal?.aborted ? undefined : cache.valid(key, FALLBACK_MARGIN_MS);
      if (fallback) return copy(fallback);
      throw e;
    }
  };
}
