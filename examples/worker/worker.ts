// A Cloudflare Worker that issues short-lived JWTs signed by a Key Vault key (the private key
// never leaves the vault) and publishes the JWKS relying parties verify them with.
// Runs without nodejs_compat: keyvault-fetch needs nothing but fetch and Web Crypto.
//
//   POST /token   {"sub": "user-1"}  → {"token": "<JWT>", "expires_in": 300}
//   GET  /.well-known/jwks.json      → {"keys": [...]}  (the signing key's enabled versions)
//
// Configure (wrangler.jsonc vars, `wrangler secret put`, or .dev.vars locally): KEYVAULT_URL,
// AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, SIGNING_KEY (an EC P-256 key in the vault:
// its name, or name/version to save the GET that finds the newest version on each token), ISSUER;
// AZURE_AUTHORITY_HOST for a sovereign cloud or the emulator; ALLOW_INSECURE_LOOPBACK=true only for
// `wrangler dev` against `keyvault-emulator --http`. Run and deploy: see the README ("Workers").
import { KeyVaultClient } from "keyvault-fetch";
import { fromClientSecret } from "keyvault-fetch/entra";
import { getJwks, signJwt } from "keyvault-fetch/jose";

export interface Env {
  KEYVAULT_URL: string;
  AZURE_TENANT_ID: string;
  AZURE_CLIENT_ID: string;
  AZURE_CLIENT_SECRET: string;
  AZURE_AUTHORITY_HOST?: string;
  SIGNING_KEY: string;
  ISSUER?: string;
  /** "true" lets the vault and authority be plain http on loopback (local emulator only) */
  ALLOW_INSECURE_LOOPBACK?: string;
}

const LIFETIME_SECONDS = 300;

// One provider per isolate, made on the first request (env arrives with it): it keeps resolved
// tokens only, so every request reuses the token until shortly before it expires.
let provider: { settings: string; getToken: ReturnType<typeof fromClientSecret> } | undefined;

function tokenProvider(env: Env) {
  const settings = [
    env.AZURE_TENANT_ID,
    env.AZURE_CLIENT_ID,
    env.AZURE_CLIENT_SECRET,
    env.AZURE_AUTHORITY_HOST ?? "",
    env.ALLOW_INSECURE_LOOPBACK ?? "",
  ].join("\n");
  if (provider?.settings !== settings) {
    provider = {
      settings,
      getToken: fromClientSecret({
        tenantId: env.AZURE_TENANT_ID,
        clientId: env.AZURE_CLIENT_ID,
        clientSecret: env.AZURE_CLIENT_SECRET,
        ...(env.AZURE_AUTHORITY_HOST ? { authorityHost: env.AZURE_AUTHORITY_HOST } : {}),
        allowInsecureLoopback: insecureLoopback(env),
      }),
    };
  }
  return provider.getToken;
}

/** Plain http to loopback (an emulator started with --http), only when asked for. */
function insecureLoopback(env: Env): boolean {
  return env.ALLOW_INSECURE_LOOPBACK === "true";
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const issuer = env.ISSUER ?? url.origin;
    try {
      // A client per request is cheap: the challenge is remembered per isolate, the token by the provider.
      const client = new KeyVaultClient(env.KEYVAULT_URL, { getToken: tokenProvider(env), allowInsecureLoopback: insecureLoopback(env) });
      if (request.method === "GET" && url.pathname === "/.well-known/jwks.json") {
        const jwks = await getJwks(client, env.SIGNING_KEY);
        return Response.json(jwks, { headers: { "cache-control": "public, max-age=300" } });
      }
      if (request.method === "POST" && url.pathname === "/token") {
        const body = (await request.json().catch(() => ({}))) as { sub?: unknown };
        if (typeof body.sub !== "string" || !body.sub) return Response.json({ error: "sub is required" }, { status: 400 });
        const now = Math.floor(Date.now() / 1000);
        const token = await signJwt(client, env.SIGNING_KEY, {
          alg: "ES256",
          payload: { iss: issuer, sub: body.sub, aud: issuer, iat: now, exp: now + LIFETIME_SECONDS, jti: crypto.randomUUID() },
        });
        return Response.json({ token, expires_in: LIFETIME_SECONDS });
      }
      return Response.json({ error: "not found" }, { status: 404 });
    } catch (e) {
      // keyvault-fetch errors carry no token or secret; the code is stable and safe to show.
      const code = (e as { code?: string }).code ?? "ERR_UNKNOWN";
      console.error(e);
      return Response.json({ error: "signing failed", code }, { status: 502 });
    }
  },
};
