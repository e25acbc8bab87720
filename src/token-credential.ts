// An adapter from @azure/identity's TokenCredential (any object of its shape) to a token provider.
import { KeyVaultClientError } from "./errors.js";
import type { GetToken } from "./token.js";

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
