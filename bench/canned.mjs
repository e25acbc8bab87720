// Canned vault answers for the CPU, heap and start-up parts: the same bytes for every contender,
// answered instantly (or held until released, for the heap part), so what is measured is each
// client's own work per call. Web APIs only and no imports: this file is bundled into the
// keyvault-fetch Worker of the start-up part, which must carry no Azure SDK code (the SDK's
// transports are in azure-adapter.mjs).

export const VAULT = "https://cpu-bench.vault.azure.net";
export const VERSION = "0123456789abcdef0123456789abcdef";
export const SCOPE = "https://vault.azure.net/.default";
export const TOKEN = "eyJhbGciOiJub25lIn0.eyJhdWQiOiJodHRwczovL3ZhdWx0LmF6dXJlLm5ldCJ9.c2ln"; // any opaque string
const CHALLENGE = `Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001", resource="https://vault.azure.net"`;

const b64u = (n, fill) =>
  btoa(String.fromCharCode(...new Uint8Array(n).fill(fill)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
const ecKid = `${VAULT}/keys/ec/${VERSION}`;
const rsaKid = `${VAULT}/keys/rsa/${VERSION}`;

/** GET /keys/ec/{version}: an EC P-256 key bundle as the service returns it. */
const keyBundle = JSON.stringify({
  key: { kid: ecKid, kty: "EC", key_ops: ["sign", "verify"], crv: "P-256", x: b64u(32, 1), y: b64u(32, 2) },
  attributes: {
    enabled: true,
    created: 1700000000,
    updated: 1700000000,
    recoveryLevel: "Recoverable+Purgeable",
    recoverableDays: 90,
    exportable: false,
  },
  tags: { purpose: "bench" },
});
const signAnswer = JSON.stringify({ kid: ecKid, value: b64u(64, 3) });
const encryptAnswer = JSON.stringify({ kid: rsaKid, value: b64u(256, 4) });
const forbidden = JSON.stringify({ error: { code: "Forbidden", message: "The user does not have keys get permission." } });
const unauthorized = JSON.stringify({
  error: { code: "Unauthorized", message: "AKV10000: Request is missing a Bearer, PoP, or MTLS_POP token." },
});

/**
 * The answer to one request, by method and path; `authorized` says whether it carried a token.
 * GET of the RSA key is refused (403) so that the official CryptographyClient, which fetches the key
 * to work locally where it can, falls back to the service like everyone else.
 */
export function answer(method, url, authorized) {
  if (!authorized) return { status: 401, body: unauthorized, challenge: true };
  const q = url.indexOf("?");
  const bare = q < 0 ? url : url.slice(0, q);
  const slash = bare.indexOf("/", bare.indexOf("//") + 2);
  const path = (slash < 0 ? "/" : bare.slice(slash)).toLowerCase().replace(/\/+$/, "");
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

/**
 * Whether fetch-style headers carry an authorization header, looked up the cheapest way for each
 * form (so no contender pays for a conversion another one is spared).
 */
function hasAuthorization(headers) {
  if (!headers) return false;
  if (typeof headers.has === "function") return headers.has("authorization");
  if (Array.isArray(headers)) return headers.some(([k]) => k.toLowerCase() === "authorization");
  for (const k in headers) if (k.toLowerCase() === "authorization") return true;
  return false;
}

/** What a canned fetch answers to `fetch(input, init)`. */
function answerFor(input, init) {
  const url = typeof input === "string" ? input : (input.url ?? String(input));
  const authorized = hasAuthorization(init?.headers ?? (typeof input === "object" ? input.headers : undefined));
  const method = init?.method ?? (typeof input === "object" ? input.method : undefined) ?? "GET";
  return answer(method.toUpperCase(), url, authorized);
}

/** A standard fetch answering instantly (used by the floor and by keyvault-fetch). */
export async function cannedFetch(input, init) {
  const a = answerFor(input, init);
  return new Response(a.body, { status: a.status, headers: responseHeaders(a) });
}

/**
 * A standard fetch whose answers wait until `release()`: while they wait, the heap holds what each
 * caller keeps for a call in flight. It keeps only the answer to give and the promise's resolver
 * (as a real fetch would keep its request, which the callers' objects are measured without).
 * @returns {{ fetch: typeof cannedFetch, pending: () => number, release: () => void }}
 */
export function createHeldFetch() {
  let held = [];
  return {
    fetch(input, init) {
      const a = answerFor(input, init);
      return new Promise((resolve) => held.push({ a, resolve }));
    },
    pending: () => held.length,
    release() {
      const now = held;
      held = [];
      for (const { a, resolve } of now) resolve(new Response(a.body, { status: a.status, headers: responseHeaders(a) }));
    },
  };
}

/** A token provider for keyvault-fetch that always has the same token (no token requests). */
export const fixedGetToken = () => ({ token: TOKEN, expiresOnTimestamp: Date.now() + 3600_000 });
