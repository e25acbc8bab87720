// Canned vault answers for the CPU bench (part 3): the same bytes for every contender, answered
// instantly, so what is measured is each client's own work per call.
import { createHttpHeaders } from "@azure/core-rest-pipeline";

export const VAULT = "https://cpu-bench.vault.azure.net";
export const VERSION = "0123456789abcdef0123456789abcdef";
export const SCOPE = "https://vault.azure.net/.default";
export const TOKEN = "eyJhbGciOiJub25lIn0.eyJhdWQiOiJodHRwczovL3ZhdWx0LmF6dXJlLm5ldCJ9.c2ln"; // any opaque string
const CHALLENGE = `Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001", resource="https://vault.azure.net"`;

const b64u = (n, fill) => btoa(String.fromCharCode(...new Uint8Array(n).fill(fill))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const ecKid = `${VAULT}/keys/ec/${VERSION}`;
const rsaKid = `${VAULT}/keys/rsa/${VERSION}`;

/** GET /keys/ec/{version}: an EC P-256 key bundle as the service returns it. */
const keyBundle = JSON.stringify({
  key: { kid: ecKid, kty: "EC", key_ops: ["sign", "verify"], crv: "P-256", x: b64u(32, 1), y: b64u(32, 2) },
  attributes: { enabled: true, created: 1700000000, updated: 1700000000, recoveryLevel: "Recoverable+Purgeable", recoverableDays: 90, exportable: false },
  tags: { purpose: "bench" },
});
const signAnswer = JSON.stringify({ kid: ecKid, value: b64u(64, 3) });
const encryptAnswer = JSON.stringify({ kid: rsaKid, value: b64u(256, 4) });
const forbidden = JSON.stringify({ error: { code: "Forbidden", message: "The user does not have keys get permission." } });
const unauthorized = JSON.stringify({ error: { code: "Unauthorized", message: "AKV10000: Request is missing a Bearer, PoP, or MTLS_POP token." } });

/**
 * The answer to one request, by method and path; `authorized` says whether it carried a token.
 * GET of the RSA key is refused (403) so that the official CryptographyClient, which fetches the key
 * to work locally where it can, falls back to the service like everyone else.
 */
export function answer(method, url, authorized) {
  if (!authorized) return { status: 401, body: unauthorized, challenge: true };
  const path = new URL(url).pathname.toLowerCase().replace(/\/+$/, "");
  if (method === "GET" && path.startsWith("/keys/ec")) return { status: 200, body: keyBundle };
  if (method === "GET" && path.startsWith("/keys/rsa")) return { status: 403, body: forbidden };
  if (method === "POST" && path.endsWith("/sign")) return { status: 200, body: signAnswer };
  if (method === "POST" && path.endsWith("/encrypt")) return { status: 200, body: encryptAnswer };
  return { status: 404, body: JSON.stringify({ error: { code: "NotFound", message: path } }) };
}

/** The response headers for an answer (the challenge on 401). */
export function responseHeaders(a) {
  const h = { "content-type": "application/json; charset=utf-8", "x-ms-request-id": "00000000-0000-0000-0000-000000000000" };
  if (a.challenge) h["www-authenticate"] = CHALLENGE;
  return h;
}

/** A standard fetch answering instantly (used by the floor and by keyvault-fetch). */
export async function cannedFetch(input, init) {
  const url = typeof input === "string" ? input : input.url ?? String(input);
  const headers = init?.headers instanceof Headers ? init.headers : new Headers(init?.headers);
  const a = answer((init?.method ?? "GET").toUpperCase(), url, headers.has("authorization"));
  return new Response(a.body, { status: a.status, headers: responseHeaders(a) });
}

/** A TokenCredential that always has the same token (no token requests). */
export const fixedCredential = {
  async getToken() { return { token: TOKEN, expiresOnTimestamp: Date.now() + 3600_000 }; },
};
