// A small consumer of the published declarations, compiled without the DOM lib once per runtime's
// own global types (test/node/consumer-types.test.ts). It uses results the way users do: straight
// into Web Crypto, fetch handlers and token providers.
import { KeyVaultClient, KeyVaultError, base64UrlDecode, utf8Encode, type GetToken } from "keyvault-fetch";
import { KeyClient, backupKey, createEcKey, decrypt, getRandomBytes, signData, unwrapKey, type KeyVaultKey } from "keyvault-fetch/keys";
import { SecretCache, backupSecret, getSecret } from "keyvault-fetch/secrets";
import { fromClientSecret } from "keyvault-fetch/entra";
import { decryptJwe, encryptJweToJwk, getJwks, signJwt } from "keyvault-fetch/jose";
import { createVaultProxy } from "keyvault-fetch/proxy";
import { createEmulator } from "@keyvault-fetch/emulator";
import { CertificateClient, getCertificate, getCertificateWithKey, parseCertificate } from "keyvault-fetch/certificates";

export async function readme(): Promise<boolean> {
  const emulator = createEmulator();
  const client = new KeyVaultClient(emulator.vaultUrl, { getToken: emulator.getToken, fetch: emulator.fetch });
  const key = await createEcKey(client, "signer", { curve: "P-256" });
  const message = new TextEncoder().encode("hello");
  const { result: signature } = await signData(client, key.id, "ES256", message);
  const publicKey = await crypto.subtle.importKey(
    "jwk",
    { kty: "EC", crv: "P-256", x: key.key.x, y: key.key.y },
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["verify"],
  );
  return crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, publicKey, signature, message);
}

// Every byte result goes to Web Crypto as is.
export async function bytesToWebCrypto(client: KeyVaultClient, key: KeyVaultKey, jwe: string): Promise<void> {
  await crypto.subtle.importKey("jwk", key.key, { name: "RSA-OAEP", hash: "SHA-256" }, false, ["encrypt"]);
  const { result: dek } = await unwrapKey(client, key.id, "RSA-OAEP-256", new Uint8Array(32));
  const aes = await crypto.subtle.importKey("raw", dek, "AES-GCM", false, ["decrypt"]);
  const { result: plain } = await decrypt(client, key.id, "RSA-OAEP-256", new Uint8Array(256));
  await crypto.subtle.digest("SHA-256", plain);
  const nonce = await getRandomBytes(client, 12);
  await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce }, aes, await backupKey(client, "k"));
  await crypto.subtle.digest("SHA-256", await backupSecret(client, "s"));
  await crypto.subtle.digest("SHA-256", base64UrlDecode("AQID"));
  await crypto.subtle.digest("SHA-256", utf8Encode("text"));
  const { plaintext } = await decryptJwe(client, jwe);
  await crypto.subtle.digest("SHA-256", plaintext);
  const handle = new KeyClient(client.vaultUrl, { getToken: () => "token" }).key("signer");
  const signed = await handle.signData("ES256", new Uint8Array(8));
  await crypto.subtle.digest("SHA-256", signed.result);
  const ab: ArrayBuffer = signed.result.buffer;
  void ab;
}

export async function services(): Promise<void> {
  const getToken: GetToken = fromClientSecret({ tenantId: "t", clientId: "c", clientSecret: "s" });
  const client = new KeyVaultClient("https://myvault.vault.azure.net", { getToken, headers: { "x-app": "demo" }, timeout: 5000 });
  const res: Response = await client.fetch("/keys", { signal: AbortSignal.timeout(1000) });
  void res;
  const cache = new SecretCache({ ttlMs: 60_000 });
  const { value } = await getSecret(client, "db-password");
  const cached: string = (await cache.get(client, "db-password")).value;
  void value;
  void cached;
  // The platform's own fetch fits every fetch option.
  new KeyVaultClient("https://myvault.vault.azure.net", { getToken, fetch });
  fromClientSecret({ tenantId: "t", clientId: "c", clientSecret: "s", fetch: globalThis.fetch });
  const token: string = await signJwt(client, "signer", { alg: "ES256", payload: { sub: "user-1" } });
  const jwks = await getJwks(client, "signer");
  const jwe = await encryptJweToJwk(jwks.keys[0]!, "secret");
  void token;
  void jwe;
  try {
    await client.fetch("/keys/x");
  } catch (e) {
    if (e instanceof KeyVaultError) void e.status;
  }
}

// A Worker/Deno.serve-style handler.
const proxy = createVaultProxy({ vaultUrl: "https://myvault.vault.azure.net", allowedOrigins: ["https://app.example.com"] });
export default { fetch: (request: Request): Promise<Response> => proxy(request) };

// Certificates: DER bytes go to Web Crypto as they are; the private key is the runtime's CryptoKey
// (where its types declare one globally; @types/node declares none: there it is a CryptoKeyLike).
export async function certificates(client: KeyVaultClient): Promise<Date> {
  const { cer } = await getCertificate(client, "api-tls");
  await crypto.subtle.digest("SHA-256", cer);
  const withKey = await getCertificateWithKey(client, "api-tls");
  await crypto.subtle.importKey("spki", parseCertificate(withKey.certificate).spki, { name: "ECDSA", namedCurve: "P-256" }, false, [
    "verify",
  ]);
  const extractable: boolean = withKey.privateKey.extractable;
  const certificates = new CertificateClient("https://myvault.vault.azure.net", { getToken: () => "token" });
  for await (const item of certificates.listPropertiesOfCertificates()) console.log(item.name, extractable);
  return withKey.notAfter;
}
