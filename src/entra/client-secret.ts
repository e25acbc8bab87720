// Client secret: the app registration's secret, sent to the token endpoint (client_secret_post).
import { KeyVaultClientError } from "../errors.js";
import type { AccessToken, TokenRequest } from "../token.js";
import { appAuthority, appTokenProvider, type AppProviderOptions } from "./authority.js";
import { describe } from "../input.js";

/**
 * Options of {@link fromClientSecret}.
 * @example
 * const options: ClientSecretOptions = { tenantId: env.AZURE_TENANT_ID, clientId: env.AZURE_CLIENT_ID, clientSecret: env.AZURE_CLIENT_SECRET };
 * const getToken = fromClientSecret(options);
 */
export interface ClientSecretOptions extends AppProviderOptions {
  /** The secret's value (not its id). */
  clientSecret: string;
}

/**
 * A token provider for an app registration with a client secret, on fetch alone. Make it once
 * (module scope in a Worker) and hand it to every client: it keeps its tokens until about two
 * minutes before they expire.
 * @example
 * const getToken = fromClientSecret({ tenantId: env.AZURE_TENANT_ID, clientId: env.AZURE_CLIENT_ID, clientSecret: env.AZURE_CLIENT_SECRET });
 * const client = new KeyVaultClient("https://myvault.vault.azure.net", { getToken });
 */
export function fromClientSecret(options: ClientSecretOptions): (request: TokenRequest) => Promise<AccessToken> {
  const authority = appAuthority(options, "fromClientSecret");
  const secret = options.clientSecret;
  if (typeof secret !== "string" || !secret)
    throw new KeyVaultClientError(
      "ERR_INVALID_INPUT",
      `fromClientSecret: clientSecret is required (the secret's value, a string); got ${describe(secret)}`,
    );
  return appTokenProvider(authority, async () => ({ fields: { client_secret: secret }, secrets: [secret] }));
}
