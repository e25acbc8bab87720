// Managed identity on Azure hosts: the instance metadata service (VMs, AKS, Container Instances)
// and the App Service / Functions / Container Apps identity endpoint. Nothing is read from the
// environment here: the caller passes the endpoint and header (see managedIdentityFromEnv).
import { isLoopbackHost } from "../challenge.js";
import { KeyVaultClientError } from "../errors.js";
import { REFRESH_MARGIN_MS, type AccessToken, type TokenRequest } from "../token.js";
import { withTokenCache } from "./cache.js";
import { checkRetry, sendTokenRequest, type FetchLike, type ProviderRetryOptions } from "./http.js";
import { checkType, describe } from "../input.js";

/**
 * The instance metadata service's token endpoint (the default of `imdsEndpoint`).
 * @example
 * const getToken = fromManagedIdentity({ imdsEndpoint: IMDS_ENDPOINT, clientId: "<user-assigned client id>" });
 */
export const IMDS_ENDPOINT = "http://169.254.169.254/metadata/identity/oauth2/token";

/**
 * Options of {@link fromManagedIdentity}. With neither `identityEndpoint` nor `imdsEndpoint`, IMDS is used.
 * @example
 * const options: ManagedIdentityOptions = { clientId: "11111111-2222-3333-4444-555555555555" }; // a user-assigned identity
 * const getToken = fromManagedIdentity(options);
 */
export interface ManagedIdentityOptions {
  /** Client id of a user-assigned identity (default: the system-assigned identity). */
  clientId?: string;
  /** Object (principal) id of a user-assigned identity. */
  objectId?: string;
  /** Azure resource id of a user-assigned identity. */
  resourceId?: string;
  /** App Service / Functions / Container Apps: the `IDENTITY_ENDPOINT` value. */
  identityEndpoint?: string;
  /** App Service / Functions / Container Apps: the `IDENTITY_HEADER` value (sent as `X-IDENTITY-HEADER`). */
  identityHeader?: string;
  /** IMDS token endpoint (default `http://169.254.169.254/metadata/identity/oauth2/token`). */
  imdsEndpoint?: string;
  /** The fetch to send with (default: the global fetch). */
  fetch?: FetchLike;
  /** Retries (default 3, from 800 ms): IMDS answers 404, 410, 429 and 5xx while it warms up. */
  retry?: ProviderRetryOptions | false;
}

/**
 * Options for {@link fromManagedIdentity} from an environment record (`Deno.env.toObject()`,
 * or Node's environment object): `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` when the host sets them (else IMDS),
 * and `AZURE_CLIENT_ID` as the user-assigned identity when set.
 * @example const getToken = fromManagedIdentity(managedIdentityFromEnv(Deno.env.toObject()));
 */
export function managedIdentityFromEnv(env: Record<string, string | undefined>): ManagedIdentityOptions {
  if (!env || typeof env !== "object")
    throw new KeyVaultClientError(
      "ERR_INVALID_INPUT",
      `managedIdentityFromEnv takes the environment as an object (Deno.env.toObject(), or Node's environment object); got ${describe(env)}`,
    );
  const options: ManagedIdentityOptions = {};
  if (env.IDENTITY_ENDPOINT && env.IDENTITY_HEADER) {
    options.identityEndpoint = env.IDENTITY_ENDPOINT;
    options.identityHeader = env.IDENTITY_HEADER;
  }
  if (env.AZURE_CLIENT_ID) options.clientId = env.AZURE_CLIENT_ID;
  return options;
}

/**
 * A token provider for the host's managed identity: IMDS (`Metadata: true`, api-version
 * 2018-02-01), or the App Service identity endpoint (`X-IDENTITY-HEADER`, api-version 2019-08-01)
 * when `identityEndpoint` is given. The identity has one tenant: a challenge's tenant is ignored.
 * @example
 * // Deno or Node on an Azure VM:
 * const client = new KeyVaultClient(vaultUrl, { getToken: fromManagedIdentity() });
 */
export function fromManagedIdentity(options: ManagedIdentityOptions = {}): (request: TokenRequest) => Promise<AccessToken> {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    // ManagedIdentityCredential takes a client id positionally; here it is named.
    throw new KeyVaultClientError(
      "ERR_INVALID_INPUT",
      `fromManagedIdentity takes an options object; got ${describe(options)}${typeof options === "string" ? ': for a user-assigned identity pass { clientId: "…" }' : ""}`,
    );
  }
  checkType(options.identityEndpoint, "string", "fromManagedIdentity: identityEndpoint");
  checkType(options.imdsEndpoint, "string", "fromManagedIdentity: imdsEndpoint");
  checkType(options.fetch, "function", "fromManagedIdentity: fetch");
  checkRetry(options.retry, "fromManagedIdentity");
  const ids = [options.clientId, options.objectId, options.resourceId].filter((v) => v !== undefined);
  if (ids.length > 1)
    throw new KeyVaultClientError("ERR_INVALID_INPUT", "fromManagedIdentity: give at most one of clientId, objectId, resourceId");
  if (ids.some((v) => typeof v !== "string" || !v))
    throw new KeyVaultClientError("ERR_INVALID_INPUT", "fromManagedIdentity: identity ids must be non-empty strings");
  const appService = options.identityEndpoint !== undefined;
  if (appService && (typeof options.identityHeader !== "string" || !options.identityHeader)) {
    throw new KeyVaultClientError(
      "ERR_INVALID_INPUT",
      "fromManagedIdentity: identityEndpoint needs identityHeader (the IDENTITY_HEADER value)",
    );
  }
  const endpoint = checkEndpoint(appService ? options.identityEndpoint! : (options.imdsEndpoint ?? IMDS_ENDPOINT));
  const retry = options.retry === undefined ? { retries: 3, minDelayMs: 800 } : options.retry;

  const fetchToken = (request: TokenRequest): Promise<AccessToken> => {
    const url = new URL(endpoint);
    const resource = resourceOf(request.scopes);
    url.searchParams.set("api-version", appService ? "2019-08-01" : "2018-02-01");
    url.searchParams.set("resource", resource);
    if (options.clientId) url.searchParams.set("client_id", options.clientId);
    if (options.objectId) url.searchParams.set(appService ? "principal_id" : "object_id", options.objectId);
    if (options.resourceId) url.searchParams.set(appService ? "mi_res_id" : "msi_res_id", options.resourceId);
    const headers: Record<string, string> = appService ? { "X-IDENTITY-HEADER": options.identityHeader! } : { Metadata: "true" };
    headers.accept = "application/json";
    return sendTokenRequest(
      url,
      { method: "GET", headers },
      {
        fetch: options.fetch,
        signal: request.signal,
        secrets: appService ? [options.identityHeader!] : [],
        retry,
        retryStatuses: appService ? [] : [404, 410],
      },
    ).then((token) => usable(token, url));
  };
  return withTokenCache(fetchToken, (request) => resourceOf(request.scopes));
}

/**
 * The token, unless it is expired or expires within the refresh margin: the identity endpoints
 * hand out tokens they cached, and a stale one would fail at the vault (or be asked for again at once).
 */
function usable(token: AccessToken, endpoint: URL): AccessToken {
  const left = token.expiresOnTimestamp - Date.now();
  if (left > REFRESH_MARGIN_MS) return token;
  const when = new Date(token.expiresOnTimestamp).toISOString();
  throw new KeyVaultClientError(
    "ERR_INVALID_RESPONSE",
    `the identity endpoint at ${endpoint.origin}${endpoint.pathname} answered a token that ${left <= 0 ? `expired at ${when}` : `expires at ${when}, within the ${REFRESH_MARGIN_MS / 60_000}-minute refresh margin`}`,
  );
}

/** The identity endpoints take a resource, not a scope: `https://vault.azure.net/.default` → `https://vault.azure.net`. */
function resourceOf(scopes: readonly string[]): string {
  if (!Array.isArray(scopes) || scopes.length !== 1 || typeof scopes[0] !== "string" || !scopes[0]) {
    throw new KeyVaultClientError("ERR_INVALID_INPUT", "a managed identity token is for exactly one scope");
  }
  return scopes[0].replace(/\/\.default$/, "");
}

/** https anywhere; plain http only to loopback (App Service) or the link-local IMDS address. */
function checkEndpoint(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new KeyVaultClientError("ERR_INVALID_INPUT", `fromManagedIdentity: not a URL: ${String(value)}`);
  }
  if (url.username || url.password)
    throw new KeyVaultClientError("ERR_INVALID_INPUT", "fromManagedIdentity: the endpoint must not carry credentials");
  const local = isLoopbackHost(url.hostname) || url.hostname === "169.254.169.254";
  if (url.protocol !== "https:" && !(url.protocol === "http:" && local)) {
    throw new KeyVaultClientError(
      "ERR_INSECURE_URL",
      `fromManagedIdentity: ${url.origin} is neither https nor a host-local identity endpoint`,
    );
  }
  return url.href;
}
