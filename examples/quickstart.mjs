// keyvault-fetch quickstart: keys in Azure Key Vault with nothing but fetch and Web Crypto.
//
//   npm start                      -> runs against the embedded emulator (no account, no network)
//   KEYVAULT_URL=https://<vault>.vault.azure.net AZURE_TENANT_ID=… AZURE_CLIENT_ID=… \
//   AZURE_CLIENT_SECRET=… node examples/quickstart.mjs   -> runs against that vault
//
// It creates an EC and an RSA key, signs in the vault and verifies locally, encrypts locally and
// decrypts in the vault, wraps and unwraps a key, lists the vault's keys, then deletes what it made.
import { KeyVaultClient, utf8Decode, utf8Encode } from "keyvault-fetch";
import { createEcKey, createRsaKey, decrypt, deleteKey, listKeys, signData, unwrapKey, wrapKey } from "keyvault-fetch/keys";
import { fromClientSecret } from "keyvault-fetch/entra";

const started = Date.now();
const { client, where, requests } = await connect();
console.log(`keyvault-fetch quickstart: ${where}`);

const suffix = Array.from(crypto.getRandomValues(new Uint8Array(2)), (b) => b.toString(16).padStart(2, "0")).join("");
const ecName = `quickstart-ec-${suffix}`;
const rsaName = `quickstart-rsa-${suffix}`;

// 1. An EC key: the private half never leaves the vault; we get the public JWK back.
const ec = await createEcKey(client, ecName, { curve: "P-256" });
console.log(`✓ created EC key ${ec.name} (${ec.key.crv}), version ${ec.properties.version.slice(0, 8)}…`);

// 2. Sign in the vault (signData hashes locally, the vault signs the digest); verify locally with
//    nothing but Web Crypto and the public JWK.
const message = utf8Encode("hello from keyvault-fetch");
const { result: signature } = await signData(client, ec.id, "ES256", message);
const ecPublic = await crypto.subtle.importKey(
  "jwk",
  { kty: "EC", crv: "P-256", x: ec.key.x, y: ec.key.y },
  { name: "ECDSA", namedCurve: "P-256" },
  false,
  ["verify"],
);
const valid = await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, ecPublic, signature, message);
console.log(`✓ signed "${utf8Decode(message)}" with ES256 in the vault; verified locally with Web Crypto: ${valid ? "valid" : "INVALID"}`);

// 3. An RSA key: encrypt locally with its public key, decrypt in the vault.
const rsa = await createRsaKey(client, rsaName, { keySize: 2048 });
console.log(`✓ created RSA key ${rsa.name} (${Math.floor((rsa.key.n.length * 3) / 4) * 8}-bit modulus)`);
const rsaPublic = await crypto.subtle.importKey(
  "jwk",
  { kty: "RSA", n: rsa.key.n, e: rsa.key.e },
  { name: "RSA-OAEP", hash: "SHA-256" },
  false,
  ["encrypt"],
);
const secret = utf8Encode("a secret only the vault can read");
const ciphertext = new Uint8Array(await crypto.subtle.encrypt({ name: "RSA-OAEP" }, rsaPublic, secret));
const { result: plaintext } = await decrypt(client, rsa.id, "RSA-OAEP-256", ciphertext);
console.log(`✓ encrypted locally (RSA-OAEP-256), decrypted in the vault: "${utf8Decode(plaintext)}"`);

// 4. Envelope encryption: wrap a fresh AES-256 data key in the vault, unwrap it again.
const dataKey = crypto.getRandomValues(new Uint8Array(32));
const { result: wrapped } = await wrapKey(client, rsa.id, "RSA-OAEP-256", dataKey);
const { result: unwrapped } = await unwrapKey(client, rsa.id, "RSA-OAEP-256", wrapped);
const same = unwrapped.length === dataKey.length && unwrapped.every((b, i) => b === dataKey[i]);
console.log(`✓ wrapped a 256-bit AES key (${wrapped.length}-byte blob), unwrapped in the vault: ${same ? "identical" : "DIFFERENT"}`);

// 5. List the vault's keys (listKeys follows nextLink page by page).
const names = [];
for await (const properties of listKeys(client)) names.push(properties.name);
const ours = names.filter((n) => n === ecName || n === rsaName);
console.log(`✓ listed ${names.length} key${names.length === 1 ? "" : "s"} in the vault, ours among them: ${ours.join(", ")}`);

// 6. Clean up: soft-delete both keys (a real vault keeps them recoverable for its retention period).
for (const name of [ecName, rsaName]) await deleteKey(client, name);
console.log(`✓ deleted ${ecName} and ${rsaName}`);

console.log(`done in ${Date.now() - started} ms${requests ? `, ${requests()} HTTP requests` : ""}`);
if (!valid || !same || ours.length !== 2) process.exitCode = 1;

/** A client for the vault named by the environment, or for an embedded emulator. */
async function connect() {
  const { KEYVAULT_URL, AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_AUTHORITY_HOST } = process.env;
  if (KEYVAULT_URL) {
    if (!AZURE_TENANT_ID || !AZURE_CLIENT_ID || !AZURE_CLIENT_SECRET) {
      throw new Error(
        "KEYVAULT_URL is set: also set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (an app registration with key permissions on the vault)",
      );
    }
    // One form POST to Entra ID per token lifetime (AZURE_AUTHORITY_HOST: a sovereign cloud, or the emulator server).
    const getToken = fromClientSecret({
      tenantId: AZURE_TENANT_ID,
      clientId: AZURE_CLIENT_ID,
      clientSecret: AZURE_CLIENT_SECRET,
      authorityHost: AZURE_AUTHORITY_HOST,
    });
    return { client: new KeyVaultClient(KEYVAULT_URL, { getToken }), where: `vault ${new URL(KEYVAULT_URL).origin}` };
  }
  // No vault configured: the emulator serves vault and token endpoint in this process.
  const { createEmulator } = await import("@keyvault-fetch/emulator");
  const emulator = createEmulator({ name: "quickstart" });
  const client = new KeyVaultClient(emulator.vaultUrl, { getToken: emulator.getToken, fetch: emulator.fetch });
  return { client, where: `embedded emulator at ${emulator.vaultUrl} (no account, no network)`, requests: () => emulator.requests.length };
}
