// The official, unmodified Azure SDK against the emulator server in Managed HSM mode:
// AES keys (oct-HSM) with GCM, CBCPAD and key wrap, HSM-backed EC and RSA, and random bytes.
// Prints one JSON line per check (sdk-report.mjs); run by official-sdk.test.ts.
import { CryptographyClient } from "@azure/keyvault-keys";
import { createHash, randomBytes } from "node:crypto";
import { check, expect, finish, rejection, sdkClients } from "./sdk-report.mjs";

const { credential, client } = sdkClients();
const prefix = `hsm${Date.now().toString(36)}`;
let aes, aesCrypto;

await check("createOctKey (oct-HSM, 256 bits) through the Managed HSM challenge", async () => {
  aes = await client.createOctKey(`${prefix}-aes`, { hsm: true, keySize: 256 });
  expect(aes.keyType === "oct-HSM", `keyType ${aes.keyType}`);
  expect(!aes.key.k, "no key material");
  aesCrypto = new CryptographyClient(aes, credential);
});

await check("encrypt and decrypt A256GCM (service-made iv and tag, with AAD)", async () => {
  const plaintext = randomBytes(100);
  const additionalAuthenticatedData = new TextEncoder().encode("header");
  const e = await aesCrypto.encrypt({ algorithm: "A256GCM", plaintext, additionalAuthenticatedData });
  expect(e.iv?.length === 12 && e.authenticationTag?.length === 16, `iv ${e.iv?.length}, tag ${e.authenticationTag?.length}`);
  const d = await aesCrypto.decrypt({
    algorithm: "A256GCM",
    ciphertext: e.result,
    iv: e.iv,
    authenticationTag: e.authenticationTag,
    additionalAuthenticatedData,
  });
  expect(Buffer.from(d.result).equals(plaintext), "round trip");
  const tampered = await rejection(() =>
    aesCrypto.decrypt({
      algorithm: "A256GCM",
      ciphertext: e.result,
      iv: e.iv,
      authenticationTag: randomBytes(16),
      additionalAuthenticatedData,
    }),
  );
  expect(tampered.statusCode === 400, `a wrong tag: ${tampered.statusCode}`);
});

await check("encrypt and decrypt A256CBCPAD (the caller's iv; without one the service says 400)", async () => {
  // Managed HSM requires the client's iv for CBC (Azure/azure-sdk-for-net#16175). SDK 4.10.2 means
  // to make one but tests `algorithm in [array]`, which is never true, so the caller must pass it.
  const plaintext = randomBytes(37);
  const iv = randomBytes(16);
  const e = await aesCrypto.encrypt({ algorithm: "A256CBCPAD", plaintext, iv });
  expect(e.result.length === 48 && Buffer.from(e.iv).equals(iv), `ciphertext ${e.result.length}, iv echoed`);
  const d = await aesCrypto.decrypt({ algorithm: "A256CBCPAD", ciphertext: e.result, iv });
  expect(Buffer.from(d.result).equals(plaintext), "round trip");
  const missing = await rejection(() => aesCrypto.encrypt({ algorithm: "A256CBCPAD", plaintext }));
  expect(missing.statusCode === 400 && missing.code === "BadParameter", `without iv: ${missing.statusCode} ${missing.code}`);
});

await check("wrapKey and unwrapKey A256KW", async () => {
  const cek = randomBytes(32);
  const wrapped = await aesCrypto.wrapKey("A256KW", cek);
  expect(wrapped.result.length === 40, `wrapped ${wrapped.result.length} bytes`);
  const unwrapped = await aesCrypto.unwrapKey("A256KW", wrapped.result);
  expect(Buffer.from(unwrapped.result).equals(cek), "round trip");
});

await check("EC-HSM P-384: sign and verify ES384", async () => {
  const ec = await client.createEcKey(`${prefix}-ec`, { curve: "P-384", hsm: true });
  expect(ec.keyType === "EC-HSM", `keyType ${ec.keyType}`);
  const ecCrypto = new CryptographyClient(ec, credential);
  const digest = createHash("sha384").update("hsm").digest();
  const { result } = await ecCrypto.sign("ES384", digest);
  expect(result.length === 96, `signature ${result.length} bytes`);
  expect((await ecCrypto.verify("ES384", digest, result)).result === true, "verify");
});

await check("getRandomBytes (Managed HSM /rng)", async () => {
  const bytes = await client.getRandomBytes(32);
  expect(bytes.length === 32 && bytes.some((b) => b !== 0), `${bytes.length} bytes`);
});

await check("error 400: getRandomBytes(129) is BadParameter", async () => {
  const error = await rejection(() => client.getRandomBytes(129));
  expect(error.statusCode === 400, `${error.statusCode} ${error.code}`);
});

finish();
