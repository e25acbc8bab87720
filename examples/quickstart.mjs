// keyvault-fetch quickstart: keys in Azure Key Vault with nothing but fetch and Web Crypto.
//
//   npm start                      -> runs against the embedded emulator (no account, no network)
//   KEYVAULT_URL=https://<vault>.vault.azure.net AZURE_TENANT_ID=… AZURE_CLIENT_ID=… \
//   AZURE_CLIENT_SECRET=… node examples/quickstart.mjs   -> runs against that vault
//
// It creates an EC and an RSA key, signs in the vault and verifies locally, encrypts locally and
// decrypts in the vault, wraps and unwraps a key, lists the vault's keys, then deletes what it made.
import { KeyVaultClient, base64UrlDecode, base64UrlEncode, utf8Decode, utf8Encode } from "keyvault-fetch";
import { clientSecretToken } from "./client-secret-token.mjs";

const started = Date.now();
const { client, where, requests } = await connect();
console.log(`keyvault-fetch quickstart: ${where}`);

const suffix = base64UrlEncode(crypto.getRandomValues(new Uint8Array(3))).replace(/[-_]/g, "0").toLowerCase();
const ecName = `quickstart-ec-${suffix}`;
const rsaName = `quickstart-rsa-${suffix}`;

// 1. An EC key: the private half never leaves the vault; we get the public JWK back.
const ec = await client.request("POST", `/keys/${ecName}/create`, { kty: "EC", crv: "P-256" }, { idempotent: false });
console.log(`✓ created EC key ${ecName} (P-256), version ${version(ec.key.kid).slice(0, 8)}…`);

// 2. Sign in the vault (it signs a digest), verify locally with the public key.
const message = utf8Encode("hello from keyvault-fetch");
const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", message));
const signed = await client.request("POST", `/keys/${ecName}/${version(ec.key.kid)}/sign`, { alg: "ES256", value: base64UrlEncode(digest) });
const ecPublic = await crypto.subtle.importKey("jwk", { kty: "EC", crv: "P-256", x: ec.key.x, y: ec.key.y }, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
const valid = await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, ecPublic, base64UrlDecode(signed.value), message);
console.log(`✓ signed "${utf8Decode(message)}" with ES256 in the vault; verified locally with Web Crypto: ${valid ? "valid" : "INVALID"}`);

// 3. An RSA key: encrypt locally with its public key, decrypt in the vault.
const rsa = await client.request("POST", `/keys/${rsaName}/create`, { kty: "RSA", key_size: 2048 }, { idempotent: false });
console.log(`✓ created RSA key ${rsaName} (${base64UrlDecode(rsa.key.n).length * 8} bits)`);
const rsaPublic = await crypto.subtle.importKey("jwk", { kty: "RSA", n: rsa.key.n, e: rsa.key.e }, { name: "RSA-OAEP", hash: "SHA-256" }, false, ["encrypt"]);
const secret = utf8Encode("a secret only the vault can read");
const ciphertext = new Uint8Array(await crypto.subtle.encrypt({ name: "RSA-OAEP" }, rsaPublic, secret));
const decrypted = await client.request("POST", `/keys/${rsaName}/${version(rsa.key.kid)}/decrypt`, { alg: "RSA-OAEP-256", value: base64UrlEncode(ciphertext) });
console.log(`✓ encrypted locally (RSA-OAEP-256), decrypted in the vault: "${utf8Decode(base64UrlDecode(decrypted.value))}"`);

// 4. Envelope encryption: wrap a fresh AES-256 key in the vault, unwrap it again.
const dataKey = crypto.getRandomValues(new Uint8Array(32));
const wrapped = await client.request("POST", `/keys/${rsaName}/${version(rsa.key.kid)}/wrapkey`, { alg: "RSA-OAEP-256", value: base64UrlEncode(dataKey) });
const unwrapped = await client.request("POST", `/keys/${rsaName}/${version(rsa.key.kid)}/unwrapkey`, { alg: "RSA-OAEP-256", value: wrapped.value });
const same = base64UrlEncode(base64UrlDecode(unwrapped.value)) === base64UrlEncode(dataKey);
console.log(`✓ wrapped a 256-bit AES key (${base64UrlDecode(wrapped.value).length}-byte blob), unwrapped in the vault: ${same ? "identical" : "DIFFERENT"}`);

// 5. List the vault's keys, following nextLink page by page.
const names = [];
for (let page = await client.request("GET", "/keys", undefined, { query: { maxresults: 25 } }); ; ) {
  for (const item of page.value) names.push(item.kid.split("/").pop());
  if (!page.nextLink) break;
  page = await client.request("GET", page.nextLink);
}
const ours = names.filter((n) => n === ecName || n === rsaName);
console.log(`✓ listed ${names.length} key${names.length === 1 ? "" : "s"} in the vault, ours among them: ${ours.join(", ")}`);

// 6. Clean up: soft-delete both keys (a real vault keeps them recoverable for its retention period).
for (const name of [ecName, rsaName]) await client.request("DELETE", `/keys/${name}`);
console.log(`✓ deleted ${ecName} and ${rsaName}`);

console.log(`done in ${Date.now() - started} ms${requests ? `, ${requests()} HTTP requests` : ""}`);
if (!valid || !same) process.exitCode = 1;

/** The version segment of a key id: https://<vault>/keys/<name>/<version>. */
function version(kid) {
  return kid.split("/").pop();
}

/** A client for the vault named by the environment, or for an embedded emulator. */
async function connect() {
  const { KEYVAULT_URL, AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_AUTHORITY_HOST } = process.env;
  if (KEYVAULT_URL) {
    if (!AZURE_TENANT_ID || !AZURE_CLIENT_ID || !AZURE_CLIENT_SECRET) {
      throw new Error("KEYVAULT_URL is set: also set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (an app registration with key permissions on the vault)");
    }
    const getToken = clientSecretToken({
      tenantId: AZURE_TENANT_ID, clientId: AZURE_CLIENT_ID, clientSecret: AZURE_CLIENT_SECRET,
      ...(AZURE_AUTHORITY_HOST ? { authorityHost: AZURE_AUTHORITY_HOST } : {}),
    });
    return { client: new KeyVaultClient(KEYVAULT_URL, { getToken }), where: `vault ${new URL(KEYVAULT_URL).origin}` };
  }
  // No vault configured: the emulator serves vault and token endpoint in this process.
  const { createEmulator } = await import("keyvault-fetch/emulator");
  const emulator = createEmulator({ name: "quickstart" });
  const client = new KeyVaultClient(emulator.vaultUrl, { getToken: emulator.getToken, fetch: emulator.fetch });
  return { client, where: `embedded emulator at ${emulator.vaultUrl} (no account, no network)`, requests: () => emulator.requests.length };
}
