// Who a client acts as, in a form other isolates can compute too: the tenant and object id (`tid`,
// `oid`) of the access token its provider gives. The shared store files entries under it, so an
// entry one identity read is never served to another. The token is not verified here; it needs
// not be: it comes from the client's own provider, and the vault verified a token of that provider
// when it answered the read that filled the entry. The token never leaves this module.
import { getCachedChallenge } from "../challenge.js";
import { DEFAULT_TIMEOUT_MS, providerOf, type KeyVaultClient } from "../client.js";
import { base64UrlDecode, utf8Decode } from "../encoding.js";
import { TokenSource, type TokenRequest } from "../token.js";
import { within } from "./store.js";

/**
 * The token request whose answer names the client's identity: the scope of the vault's cloud (from
 * its host, `<name>.vault.azure.net` → `https://vault.azure.net/.default`, or the challenge this
 * isolate learned), with the tenant of that challenge, so it is the token the client itself uses.
 */
function identityRequest(client: KeyVaultClient): TokenRequest | undefined {
  const host = new URL(client.vaultOrigin).hostname.toLowerCase();
  const cloud = /^[a-z0-9-]+\.((?:vault|managedhsm)\.[a-z0-9.-]+)$/.exec(host)?.[1];
  const challenge = getCachedChallenge(client.vaultUrl);
  const scope = cloud ? `https://${cloud}/.default` : challenge?.scope;
  if (!scope) return undefined;
  const request: TokenRequest = { scopes: [scope] };
  if (challenge?.tenantId && challenge.scope === scope) request.tenantId = challenge.tenantId;
  return request;
}

/** `tid/oid` of a JWT access token, or undefined for anything else (an opaque token names no identity). */
export function identityOfToken(token: string): string | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    const claims: unknown = JSON.parse(utf8Decode(base64UrlDecode(parts[1]!)));
    const { tid, oid } = (claims ?? {}) as { tid?: unknown; oid?: unknown };
    return typeof tid === "string" && tid && typeof oid === "string" && oid ? `${tid.toLowerCase()}/${oid.toLowerCase()}` : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The identity a client acts as (`tid/oid`), or undefined when it cannot be known (no provider, a
 * vault whose cloud is unknown before its first call, a provider that fails or gives opaque tokens):
 * then the store is not used. Uses the token the client holds, else asks its provider once (the
 * client then reuses that token for its own calls).
 */
export async function identityOf(client: KeyVaultClient, signal: AbortSignal | undefined): Promise<string | undefined> {
  const provider = providerOf(client);
  const request = provider && identityRequest(client);
  if (!provider || !request) return undefined;
  const tokens = new TokenSource(provider); // the provider's cache, as the client reads it
  const held = tokens.cached(request);
  if (held) return identityOfToken(held);
  // A provider that fails or never answers leaves the identity unknown: the vault read that follows
  // meets the same provider under the client's own deadline, and reports it properly.
  const got = await within(() => tokens.request(signal ? { ...request, signal } : request, "identity").token, DEFAULT_TIMEOUT_MS, signal);
  if (signal?.aborted) throw signal.reason;
  return got === undefined ? undefined : identityOfToken(got);
}
