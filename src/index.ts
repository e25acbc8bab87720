/**
 * keyvault-fetch: Azure Key Vault from any runtime with fetch and Web Crypto. {@link KeyVaultClient}
 * is an authenticated `fetch` for one vault: it learns the vault's authority from its 401 challenge,
 * gets tokens from your `getToken`, answers CAE challenges, retries, keeps one deadline per call,
 * and never sends a token anywhere but the vault. {@link request} is its JSON convenience; the typed
 * helpers live in `keyvault-fetch/keys` and `keyvault-fetch/secrets`.
 * @module keyvault-fetch
 * @example
 * import { KeyVaultClient, request } from "keyvault-fetch";
 * import { fromClientSecret } from "keyvault-fetch/entra";
 * const client = new KeyVaultClient("https://myvault.vault.azure.net", {
 *   getToken: fromClientSecret({ tenantId, clientId, clientSecret }),
 * });
 * const res = await client.fetch("/keys?maxresults=5");          // a plain Response
 * const { value } = await request<{ value: unknown[] }>(client, "GET", "/secrets"); // JSON, or a KeyVaultError
 */
export { KeyVaultClient, DEFAULT_API_VERSION, DEFAULT_TIMEOUT_MS } from "./client.js";
export type { KeyVaultClientOptions } from "./client.js";
export { request } from "./request.js";
export type { RequestOptions } from "./request.js";
export type { KeyVaultEvent, RequestEvent, ResponseEvent, RetryEvent, ChallengeEvent, TokenEvent, CaeEvent } from "./events.js";
export { KeyVaultError, KeyVaultClientError } from "./errors.js";
export type { ClientErrorCode, RequestSummary, ServiceErrorBody } from "./errors.js";
export { REFRESH_MARGIN_MS, MAX_TOKENS_PER_PROVIDER, cachedTokenCount } from "./token.js";
export type { AccessToken, GetToken, TokenRequest } from "./token.js";
export { fromTokenCredential } from "./token-credential.js";
export type { TokenCredentialLike } from "./token-credential.js";
export {
  parseWwwAuthenticate,
  challengeFromHeader,
  claimsChallengeFromHeader,
  scopeFromResource,
  tenantFromAuthorization,
  verifyChallengeResource,
  clearChallengeCache,
  getCachedChallenge,
  setCachedChallenge,
  isLoopbackHost,
} from "./challenge.js";
export type { AuthChallenge, VaultChallenge, ClaimsChallenge } from "./challenge.js";
export { retryAfterMs, backoffDelay, isIdempotent, RETRY_STATUSES, DEFAULT_RETRY } from "./retry.js";
export type { RetryOptions } from "./retry.js";
export type { Jwk, JwkInput, CryptoKeyLike, WebCryptoKey, HeadersInitLike } from "./web-types.js";
export { base64UrlEncode, base64UrlDecode, base64Encode, base64Decode, utf8Encode, utf8Decode } from "./encoding.js";
