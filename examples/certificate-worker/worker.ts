// A Cloudflare Worker that signs JWTs with a certificate whose key stays in Key Vault, and serves
// the JWKS relying parties verify them with, the certificate in `x5c` (so a verifier can check
// whom it was issued to, or pin its thumbprint). Runs without nodejs_compat.
//
//   POST /token   {"sub": "user-1"}  → {"token": "<JWT, header x5t#S256 and x5c>", "expires_in": 300}
//   GET  /.well-known/jwks.json      → {"keys": [{ ..., "kid", "x5c", "x5t#S256" }]}
//
// Configure (wrangler.jsonc vars, `wrangler secret put`, or .dev.vars locally): KEYVAULT_URL,
// AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, SIGNING_CERTIFICATE (a certificate in the
// vault, RSA or EC P-256/384/521; its key may be non-exportable), ISSUER; AZURE_AUTHORITY_HOST for
// a sovereign cloud or the emulator.
import { KeyVaultClient } from "keyvault-fetch";
import { getCertificate, importCertificatePublicKey } from "keyvault-fetch/certificates";
import { fromClientSecret } from "keyvault-fetch/entra";
import { signJwtWithCertificate } from "keyvault-fetch/jose";

export interface Env {
  KEYVAULT_URL: string;
  AZURE_TENANT_ID: string;
  AZURE_CLIENT_ID: string;
  AZURE_CLIENT_SECRET: string;
  AZURE_AUTHORITY_HOST?: string;
  SIGNING_CERTIFICATE: string;
  ISSUER?: string;
}

const LIFETIME_SECONDS = 300;

// One provider per isolate (it keeps resolved tokens only), made on the first request.
let getToken: ReturnType<typeof fromClientSecret> | undefined;

function base64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const issuer = env.ISSUER ?? url.origin;
    getToken ??= fromClientSecret({
      tenantId: env.AZURE_TENANT_ID,
      clientId: env.AZURE_CLIENT_ID,
      clientSecret: env.AZURE_CLIENT_SECRET,
      ...(env.AZURE_AUTHORITY_HOST ? { authorityHost: env.AZURE_AUTHORITY_HOST } : {}),
    });
    try {
      const client = new KeyVaultClient(env.KEYVAULT_URL, { getToken });
      if (request.method === "GET" && url.pathname === "/.well-known/jwks.json") {
        // The certificate's current version: its public key as a JWK, named by the key version the
        // JWTs name in `kid`, with the certificate itself in x5c.
        const certificate = await getCertificate(client, env.SIGNING_CERTIFICATE);
        const publicKey = (await importCertificatePublicKey(certificate.cer)) as CryptoKey;
        const jwk = (await crypto.subtle.exportKey("jwk", publicKey)) as JsonWebKey;
        const thumbprint = new Uint8Array(await crypto.subtle.digest("SHA-256", certificate.cer));
        const key = {
          kty: jwk.kty,
          ...(jwk.kty === "RSA" ? { n: jwk.n, e: jwk.e } : { crv: jwk.crv, x: jwk.x, y: jwk.y }),
          use: "sig",
          kid: certificate.keyId,
          x5c: [base64(certificate.cer)],
          "x5t#S256": base64(thumbprint).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""),
        };
        return Response.json({ keys: [key] }, { headers: { "cache-control": "public, max-age=300" } });
      }
      if (request.method === "POST" && url.pathname === "/token") {
        const body = (await request.json().catch(() => ({}))) as { sub?: unknown };
        if (typeof body.sub !== "string" || !body.sub) return Response.json({ error: "sub is required" }, { status: 400 });
        const now = Math.floor(Date.now() / 1000);
        const token = await signJwtWithCertificate(client, env.SIGNING_CERTIFICATE, {
          payload: { iss: issuer, sub: body.sub, aud: issuer, iat: now, exp: now + LIFETIME_SECONDS, jti: crypto.randomUUID() },
          x5c: true,
        });
        return Response.json({ token, expires_in: LIFETIME_SECONDS });
      }
      return Response.json({ error: "not found" }, { status: 404 });
    } catch (e) {
      // keyvault-fetch errors carry no token, secret or key; the code is stable and safe to show.
      console.error(e);
      return Response.json({ error: "signing failed", code: (e as { code?: string }).code ?? "ERR_UNKNOWN" }, { status: 502 });
    }
  },
};
