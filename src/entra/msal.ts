// Browser tokens from MSAL.js (@azure/msal-browser) for a signed-in user: silent first, then the
// interaction the caller chose. Typed structurally: nothing is imported from MSAL, so the adapter
// costs a page nothing it does not already load.
import { KeyVaultClientError } from "../errors.js";
import type { AccessToken, TokenRequest } from "../token.js";
import { describe } from "../input.js";

/**
 * The fields of an MSAL `AccountInfo` this adapter passes along (it never reads the others).
 * @example
 * const account: MsalAccountLike | undefined = msal.getAllAccounts?.()[0];
 * const getToken = fromMsal(msal, { interaction: "popup", ...(account ? { account } : {}) });
 */
export interface MsalAccountLike {
  homeAccountId: string;
  username?: string;
}

/**
 * The fields of an MSAL `AuthenticationResult` this adapter reads.
 * @example
 * const result: MsalResultLike = await msal.acquireTokenSilent({ scopes: ["https://vault.azure.net/user_impersonation"] });
 * result.expiresOn; // becomes the token's expiresOnTimestamp
 */
export interface MsalResultLike {
  accessToken: string;
  /** MSAL's `expiresOn`: a `Date`, or null when unknown */
  expiresOn: Date | null;
  account?: MsalAccountLike | null;
}

/**
 * What the adapter hands to `acquireTokenSilent`, `acquireTokenPopup` and `acquireTokenRedirect`.
 * @example
 * const request: MsalTokenRequestLike = { scopes: [userScope("https://vault.azure.net/.default")] };
 * const { accessToken } = await msal.acquireTokenSilent(request);
 */
export interface MsalTokenRequestLike {
  scopes: string[];
  account?: MsalAccountLike;
  /** the claims a CAE challenge asked for (JSON text); MSAL then skips its cache */
  claims?: string;
}

/**
 * The parts of `@azure/msal-browser`'s `PublicClientApplication` the adapter calls. Only
 * `acquireTokenSilent` is always needed; `acquireTokenPopup` / `acquireTokenRedirect` for those interactions.
 * @example
 * import { PublicClientApplication } from "@azure/msal-browser";
 * const app: PublicClientApplicationLike = new PublicClientApplication({ auth: { clientId: "<SPA app id>" } });
 * const getToken = fromMsal(app, { interaction: "popup" });
 */
export interface PublicClientApplicationLike {
  /** Called with `account` set. (Typed without requiring it, so that MSAL's own signature fits.) */
  acquireTokenSilent(request: MsalTokenRequestLike): Promise<MsalResultLike>;
  acquireTokenPopup?(request: MsalTokenRequestLike): Promise<MsalResultLike>;
  acquireTokenRedirect?(request: MsalTokenRequestLike): Promise<void>;
  getActiveAccount?(): MsalAccountLike | null;
  getAllAccounts?(): MsalAccountLike[];
}

/**
 * Options of {@link fromMsal}.
 * @example
 * const options: MsalOptions = { interaction: "redirect", scopes: ["https://vault.azure.net/user_impersonation"] };
 * const getToken = fromMsal(msal, options);
 */
export interface MsalOptions {
  /**
   * What to do when MSAL cannot get a token silently (no account, consent needed, session expired,
   * a CAE challenge the refresh token cannot answer): open a popup, navigate away with a redirect
   * (the call then fails with `ERR_INTERACTION_REDIRECT`; call `handleRedirectPromise()` on return),
   * or fail with `ERR_INTERACTION_REQUIRED` so the page can ask the user first.
   */
  interaction: "popup" | "redirect" | "none";
  /** The signed-in account, or a function returning it (default: the active account, else the first). */
  account?: MsalAccountLike | (() => MsalAccountLike | null | undefined);
  /**
   * Scopes to ask for, whatever the vault's challenge says (default: the challenge's resource with
   * `/user_impersonation`, e.g. `https://vault.azure.net/user_impersonation`).
   */
  scopes?: string[];
}

// InteractionRequiredAuthError's codes (msal-common): the user must act before a token can be had.
const INTERACTION_CODES = new Set([
  "interaction_required",
  "consent_required",
  "login_required",
  "bad_token",
  "no_tokens_found",
  "native_account_unavailable",
  "refresh_token_expired",
]);

/**
 * Whether an MSAL error means "only the user can fix this" (an `InteractionRequiredAuthError`).
 * @example
 * try { await msal.acquireTokenSilent({ scopes: ["https://vault.azure.net/user_impersonation"] }) }
 * catch (e) { if (isInteractionRequired(e)) console.log("ask the user to sign in") }
 */
export function isInteractionRequired(error: unknown): boolean {
  const e = error as { name?: unknown; errorCode?: unknown } | null;
  return !!e && (e.name === "InteractionRequiredAuthError" || (typeof e.errorCode === "string" && INTERACTION_CODES.has(e.errorCode)));
}

/**
 * The delegated scope for a vault: `https://vault.azure.net/.default` -> `https://vault.azure.net/user_impersonation`.
 * @example
 * userScope("https://managedhsm.azure.net/.default"); // "https://managedhsm.azure.net/user_impersonation"
 */
export function userScope(scope: string): string {
  if (typeof scope !== "string")
    throw new KeyVaultClientError("ERR_INVALID_INPUT", `userScope takes a scope string; got ${describe(scope)}`);
  return scope.endsWith("/.default") ? scope.slice(0, -"/.default".length) + "/user_impersonation" : scope;
}

/**
 * A token provider for a signed-in user in a browser, from an MSAL.js `PublicClientApplication`:
 * `acquireTokenSilent` first (MSAL's cache, then its refresh token), then the chosen interaction.
 * After a CAE challenge the core passes `claims`, which go to MSAL (silent and interactive), so the
 * new token satisfies them; configure MSAL with `clientCapabilities: ["CP1"]` to get CAE tokens.
 * Concurrent calls share one interaction.
 * @example
 * import { PublicClientApplication } from "@azure/msal-browser";
 * import { KeyVaultClient } from "keyvault-fetch";
 * import { fromMsal } from "keyvault-fetch/entra";
 * const msal = new PublicClientApplication({ auth: { clientId, authority: `https://login.microsoftonline.com/${tenantId}`, clientCapabilities: ["CP1"] } });
 * await msal.initialize();
 * const client = new KeyVaultClient("https://kv-proxy.example.com", { getToken: fromMsal(msal, { interaction: "popup" }) });
 */
export function fromMsal(app: PublicClientApplicationLike, options: MsalOptions): (request: TokenRequest) => Promise<AccessToken | string> {
  if (!app || typeof app.acquireTokenSilent !== "function")
    throw new KeyVaultClientError(
      "ERR_INVALID_INPUT",
      `fromMsal: pass an MSAL PublicClientApplication (it needs acquireTokenSilent); got ${describe(app)}`,
    );
  if (!options || typeof options !== "object") {
    throw new KeyVaultClientError(
      "ERR_INVALID_INPUT",
      `fromMsal(msal, options) takes an options object; got ${describe(options)}${typeof options === "string" ? `: fromMsal(msal, { interaction: ${JSON.stringify(options)} })` : ""}`,
    );
  }
  const interaction = options.interaction;
  if (interaction !== "popup" && interaction !== "redirect" && interaction !== "none") {
    throw new KeyVaultClientError("ERR_INVALID_INPUT", 'fromMsal: interaction must be "popup", "redirect" or "none"');
  }
  if (interaction === "popup" && typeof app.acquireTokenPopup !== "function")
    throw new KeyVaultClientError("ERR_INVALID_INPUT", 'fromMsal: interaction "popup" needs acquireTokenPopup');
  if (interaction === "redirect" && typeof app.acquireTokenRedirect !== "function")
    throw new KeyVaultClientError("ERR_INVALID_INPUT", 'fromMsal: interaction "redirect" needs acquireTokenRedirect');
  if (
    options.scopes !== undefined &&
    (!Array.isArray(options.scopes) || options.scopes.length === 0 || options.scopes.some((s) => typeof s !== "string" || !s))
  ) {
    throw new KeyVaultClientError("ERR_INVALID_INPUT", "fromMsal: scopes must be a non-empty list of strings");
  }
  // The account a popup signed in, for the next silent call when none was configured.
  let signedIn: MsalAccountLike | undefined;
  // MSAL refuses a second interaction while one is open (interaction_in_progress): share it.
  const pending = new Map<string, Promise<MsalResultLike>>();

  const accountOf = (): MsalAccountLike | undefined => {
    const given = typeof options.account === "function" ? options.account() : options.account;
    return given ?? app.getActiveAccount?.() ?? signedIn ?? app.getAllAccounts?.()[0] ?? undefined;
  };

  const interact = (request: MsalTokenRequestLike): Promise<MsalResultLike> => {
    if (interaction === "none") {
      return Promise.reject(
        new KeyVaultClientError(
          "ERR_INTERACTION_REQUIRED",
          'fromMsal: the user must sign in (or consent) before the vault can be called; interaction is "none"',
        ),
      );
    }
    const key = `${request.scopes.join(" ")}\n${request.claims ?? ""}`;
    let shared = pending.get(key);
    if (!shared) {
      shared = (
        interaction === "popup"
          ? app.acquireTokenPopup!(request)
          : app.acquireTokenRedirect!(request).then((): never => {
              throw new KeyVaultClientError(
                "ERR_INTERACTION_REDIRECT",
                "fromMsal: redirecting to sign in; the page reloads, call handleRedirectPromise() there",
              );
            })
      ).finally(() => pending.delete(key));
      pending.set(key, shared);
    }
    return shared;
  };

  return async ({ scopes, claims }) => {
    const request: MsalTokenRequestLike = { scopes: options.scopes ? [...options.scopes] : scopes.map(userScope) };
    if (claims) request.claims = claims;
    const account = accountOf();
    let result: MsalResultLike;
    if (account) {
      request.account = account;
      try {
        result = await app.acquireTokenSilent({ ...request, account });
      } catch (e) {
        if (!isInteractionRequired(e)) throw e;
        result = await interact(request);
      }
    } else {
      result = await interact(request);
    }
    if (result.account) signedIn = result.account;
    if (typeof result.accessToken !== "string" || !result.accessToken)
      throw new KeyVaultClientError("ERR_TOKEN", "fromMsal: MSAL returned no access token");
    const expires = result.expiresOn instanceof Date ? result.expiresOn.getTime() : NaN;
    // Without an expiry the token is used once; MSAL's own cache still makes the next call cheap.
    return Number.isFinite(expires) ? { token: result.accessToken, expiresOnTimestamp: expires } : result.accessToken;
  };
}
