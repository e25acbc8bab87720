/**
 * keyvault-fetch/entra: Entra ID token providers on fetch and Web Crypto alone, for Workers,
 * Deno, browsers and Node. Each returns `{ token, expiresOnTimestamp }` and is a `GetToken`:
 * hand it to `KeyVaultClient`. Make a provider once (module scope in a Worker); it keeps its
 * tokens until about two minutes before they expire.
 * @module keyvault-fetch/entra
 * @example
 * import { KeyVaultClient } from "keyvault-fetch";
 * import { fromClientSecret } from "keyvault-fetch/entra";
 * const getToken = fromClientSecret({ tenantId, clientId, clientSecret });
 * const client = new KeyVaultClient("https://myvault.vault.azure.net", { getToken });
 */
export { fromClientSecret } from "./client-secret.js";
export type { ClientSecretOptions } from "./client-secret.js";
export { fromClientCertificate } from "./client-certificate.js";
export type { ClientCertificateOptions } from "./client-certificate.js";
export { fromKeyVaultCertificate } from "./key-vault-certificate.js";
export type { KeyVaultCertificateOptions } from "./key-vault-certificate.js";
export { fromClientAssertion, CLIENT_ASSERTION_TYPE } from "./client-assertion.js";
export type { ClientAssertionOptions, AssertionContext } from "./client-assertion.js";
export { fromManagedIdentity, managedIdentityFromEnv, IMDS_ENDPOINT } from "./managed-identity.js";
export type { ManagedIdentityOptions } from "./managed-identity.js";
export { DEFAULT_AUTHORITY_HOST, chooseTenant, tokenEndpoint } from "./authority.js";
export type { AppProviderOptions } from "./authority.js";
export { AuthorityError } from "./errors.js";
export type { AuthorityErrorInit } from "./errors.js";
export type { FetchLike, ProviderRetryOptions } from "./http.js";
export { fromMsal, isInteractionRequired, userScope } from "./msal.js";
export type { MsalOptions, PublicClientApplicationLike, MsalAccountLike, MsalResultLike, MsalTokenRequestLike } from "./msal.js";
