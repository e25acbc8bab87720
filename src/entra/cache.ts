// The provider's own token cache: resolved tokens only (never an in-flight promise, which a
// Worker must not share across requests), refreshed about two minutes before they expire.
import { REFRESH_MARGIN_MS, type AccessToken, type TokenRequest } from "../token.js";

interface Entry extends AccessToken {
  refreshAt: number;
}

/** Largest number of (scope, tenant) pairs one provider remembers. */
const MAX_ENTRIES = 64;

/**
 * Wraps `fetchToken` in a cache keyed by `keyOf(request)`. A request with CAE `claims` always
 * goes to the authority (the cached token was revoked) and its answer replaces the entry. When
 * a refresh fails while the cached token is still valid, the cached token is returned.
 */
export function withTokenCache(
  fetchToken: (request: TokenRequest) => Promise<AccessToken>,
  keyOf: (request: TokenRequest) => string,
): (request: TokenRequest) => Promise<AccessToken> {
  const cache = new Map<string, Entry>();
  return async (request: TokenRequest): Promise<AccessToken> => {
    const key = keyOf(request);
    const now = Date.now();
    const hit = request.claims ? undefined : cache.get(key);
    if (hit && now < hit.refreshAt) return { token: hit.token, expiresOnTimestamp: hit.expiresOnTimestamp };
    let fresh: AccessToken;
    try {
      fresh = await fetchToken(request);
    } catch (e) {
      if (hit && Date.now() < hit.expiresOnTimestamp - 30_000 && !request.signal?.aborted) {
        return { token: hit.token, expiresOnTimestamp: hit.expiresOnTimestamp };
      }
      throw e;
    }
    const lifetime = fresh.expiresOnTimestamp - Date.now();
    if (lifetime > 0) {
      if (cache.size >= MAX_ENTRIES && !cache.has(key)) cache.delete(cache.keys().next().value!);
      cache.set(key, { ...fresh, refreshAt: fresh.expiresOnTimestamp - Math.min(REFRESH_MARGIN_MS, lifetime / 2) });
    }
    return fresh;
  };
}
