/**
 * keyvault-fetch: Azure Key Vault from any runtime with fetch and Web Crypto.
 * @packageDocumentation
 */
export { KeyVaultClient, DEFAULT_API_VERSION, DEFAULT_TIMEOUT_MS } from "./client.js";
export type { KeyVaultClientOptions } from "./client.js";
export { request } from "./request.js";
export type { RequestOptions } from "./request.js";
export type { KeyVaultEvent, RequestEvent, ResponseEvent, RetryEvent, ChallengeEvent, TokenEvent, CaeEvent } from "./events.js";
export { KeyVaultError, KeyVaultClientError } from "./errors.js";
export type { ClientErrorCode, RequestSummary, ServiceErrorBody } from "./errors.js";
export { fromTokenCredential, REFRESH_MARGIN_MS, MAX_TOKENS_PER_PROVIDER, cachedTokenCount } from "./token.js";
export type { AccessToken, GetToken, TokenRequest, TokenCredentialLike } from "./token.js";
export {
  parseWwwAuthenticate, challengeFromHeader, claimsChallengeFromHeader, scopeFromResource,
  tenantFromAuthorization, verifyChallengeResource, clearChallengeCache, getCachedChallenge,
  setCachedChallenge, isLoopbackHost,
} from "./challenge.js";
export type { AuthChallenge, VaultChallenge, ClaimsChallenge } from "./challenge.js";
export { retryAfterMs, backoffDelay, isIdempotent, RETRY_STATUSES, DEFAULT_RETRY } from "./retry.js";
export type { RetryOptions } from "./retry.js";
export type { Jwk, JwkInput, CryptoKeyLike, HeadersInitLike } from "./web-types.js";
export { base64UrlEncode, base64UrlDecode, base64Encode, base64Decode, utf8Encode, utf8Decode } from "./encoding.js";
