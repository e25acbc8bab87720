// A minimal Entra ID client-credentials token provider for the examples: one form POST per
// scope, cached until two minutes before expiry. It talks only to the authority host.

/**
 * Returns a `getToken` for KeyVaultClient that asks Entra ID for app tokens with a client secret.
 *
 * @example
 * const getToken = clientSecretToken({ tenantId, clientId, clientSecret });
 * const client = new KeyVaultClient("https://myvault.vault.azure.net", { getToken });
 */
export function clientSecretToken({ tenantId, clientId, clientSecret, authorityHost = "https://login.microsoftonline.com", fetch = globalThis.fetch }) {
  const authority = new URL(authorityHost);
  if (authority.protocol !== "https:") throw new Error("the authority host must be https");
  const cache = new Map(); // key: tenant + scopes + claims, value: { token, expiresOnTimestamp }

  return async function getToken({ scopes, tenantId: challengeTenant, claims, signal }) {
    // The vault's challenge names the tenant; a configured tenant wins unless it is "common".
    const tenant = tenantId && tenantId !== "common" ? tenantId : challengeTenant ?? tenantId;
    const key = `${tenant}|${scopes.join(" ")}|${claims ?? ""}`;
    const cached = cache.get(key);
    if (cached && cached.expiresOnTimestamp - 120_000 > Date.now()) return cached;

    const body = new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret, scope: scopes.join(" ") });
    if (claims) body.set("claims", claims);
    const endpoint = `${authority.origin}${authority.pathname.replace(/\/+$/, "")}/${encodeURIComponent(tenant)}/oauth2/v2.0/token`;
    const response = await fetch(endpoint, { method: "POST", body, signal });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok || typeof answer.access_token !== "string") {
      // Entra's error_description never contains the secret; keep only its first line.
      const why = String(answer.error_description ?? answer.error ?? `HTTP ${response.status}`).split(/\r?\n/)[0];
      throw new Error(`token request to ${authority.origin} failed: ${why}`);
    }
    const token = { token: answer.access_token, expiresOnTimestamp: Date.now() + Number(answer.expires_in ?? 3599) * 1000 };
    cache.set(key, token);
    return token;
  };
}
