// Client assertion: a JWT the caller gets elsewhere (workload identity federation: GitHub Actions,
// Kubernetes, another cloud's OIDC token), sent as the app's credential.
import { KeyVaultClientError } from "../errors.js";
import { redactError } from "../redact.js";
import type { AccessToken, TokenRequest } from "../token.js";
import { base64UrlEncode, utf8Encode } from "../encoding.js";
import { appAuthority, appTokenProvider, type AppCredential, type AppProviderOptions } from "./authority.js";
import { describe } from "../input.js";

/**
 * The JWT-bearer client assertion type (RFC 7523): the `client_assertion_type` form field.
 * @example
 * new URLSearchParams({ client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: "eyJ…" });
 */
export const CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/**
 * What an assertion callback is told: where the assertion goes, and the request's abort signal.
 * @example
 * const getToken = fromClientAssertion({
 *   tenantId, clientId,
 *   assertion: async ({ tokenEndpoint, signal }: AssertionContext) => (await fetch("https://issuer.example/token?aud=" + encodeURIComponent(tokenEndpoint), { signal })).text(),
 * });
 */
export interface AssertionContext {
  /** the token endpoint the assertion is sent to (the audience a self-signed assertion needs) */
  tokenEndpoint: string;
  tenantId: string;
  signal?: AbortSignal;
}

/**
 * Options of {@link fromClientAssertion}.
 * @example
 * const options: ClientAssertionOptions = { tenantId, clientId, assertion: () => Deno.readTextFile("/var/run/secrets/azure/tokens/azure-identity-token") };
 * const getToken = fromClientAssertion(options);
 */
export interface ClientAssertionOptions extends AppProviderOptions {
  /**
   * The assertion, or a function that gives a fresh one for each token request (federated
   * tokens are short-lived: read the file, call the OIDC endpoint, ... inside it).
   */
  assertion: string | ((context: AssertionContext) => string | Promise<string>);
}

/**
 * A token provider for workload identity federation: the app registration trusts an external
 * issuer, and the caller supplies that issuer's token as the client assertion.
 * @example
 * // Deno on Kubernetes with Azure Workload Identity:
 * const getToken = fromClientAssertion({
 *   tenantId, clientId,
 *   assertion: () => Deno.readTextFile(Deno.env.get("AZURE_FEDERATED_TOKEN_FILE")!),
 * });
 */
export function fromClientAssertion(options: ClientAssertionOptions): (request: TokenRequest) => Promise<AccessToken> {
  const authority = appAuthority(options, "fromClientAssertion");
  const source = options.assertion;
  if (typeof source !== "function" && (typeof source !== "string" || !source)) {
    throw new KeyVaultClientError(
      "ERR_INVALID_INPUT",
      `fromClientAssertion: assertion must be a non-empty string or a function; got ${describe(source)}`,
    );
  }
  return appTokenProvider(authority, async (endpoint, tenantId, signal) =>
    assertionCredential(await getAssertion(source, { tokenEndpoint: endpoint.href, tenantId, ...(signal ? { signal } : {}) })),
  );
}

/** The form fields that send `assertion` as the app's credential (it is a secret: kept out of errors). */
export function assertionCredential(assertion: string): AppCredential {
  return { fields: { client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion }, secrets: [assertion] };
}

/**
 * The signing input of an app's own assertion (RFC 7523 section 3): the encoded `header`, then
 * claims naming the app as issuer and subject and `endpoint` as audience, valid for `lifetimeSeconds`.
 */
export function assertionSigningInput(header: string, endpoint: URL, clientId: string, lifetimeSeconds: number): string {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    aud: endpoint.href,
    iss: clientId,
    sub: clientId,
    jti: crypto.randomUUID(),
    iat: now,
    nbf: now,
    exp: now + lifetimeSeconds,
  };
  return `${header}.${base64UrlEncode(utf8Encode(JSON.stringify(claims)))}`;
}

async function getAssertion(source: ClientAssertionOptions["assertion"], context: AssertionContext): Promise<string> {
  if (typeof source === "string") return source;
  let value: unknown;
  try {
    value = await source(context);
  } catch (cause) {
    if (context.signal?.aborted) throw context.signal.reason;
    const safe = redactError(cause);
    throw new KeyVaultClientError("ERR_TOKEN", `the client assertion callback failed: ${safe.message}`, { cause: safe });
  }
  if (typeof value !== "string" || !value.trim())
    throw new KeyVaultClientError("ERR_TOKEN", "the client assertion callback returned no assertion");
  return value.trim();
}
