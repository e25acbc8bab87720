// Bytes in and out, in every runtime: each Uint8Array the library returns sits alone on its own
// ArrayBuffer (typed Uint8Array<ArrayBuffer>, so it passes straight to Web Crypto), and bytes the
// caller keeps on a SharedArrayBuffer (which Web Crypto refuses) still work where the library hands
// them to Web Crypto, because it copies them there.
import { NOT_IN_BROWSERS, type SuiteFile } from "./harness.js";
import * as assert from "./assert.js";

const enc = new TextEncoder();

/** The bytes are the whole of a fresh ArrayBuffer: no SharedArrayBuffer, no view into a larger buffer. */
async function ownBuffer(what: string, bytes: unknown): Promise<void> {
  assert.ok(bytes instanceof Uint8Array, `${what} is a Uint8Array`);
  assert.ok(bytes.buffer instanceof ArrayBuffer, `${what} sits on an ArrayBuffer`);
  assert.ok(
    bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength,
    `${what} is the whole of its buffer (${bytes.byteOffset}+${bytes.byteLength} of ${bytes.buffer.byteLength})`,
  );
  await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
}

/** The same bytes on a SharedArrayBuffer. */
function shared(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(new SharedArrayBuffer(bytes.length));
  out.set(bytes);
  return out;
}

const suite: SuiteFile = (t, lib) => {
  const { KeyVaultClient, base64UrlDecode, base64Decode, utf8Encode } = lib.core;
  const k = lib.keys;
  const setup = (options: { managedHsm?: boolean } = {}) => {
    const emu = lib.emulator.createEmulator(options);
    return { emu, client: new KeyVaultClient(emu.vaultUrl, { getToken: emu.getToken, fetch: emu.fetch }) };
  };

  t.group("byte results", () => {
    t.test(
      "every byte result is the whole of its own ArrayBuffer and goes straight to Web Crypto",
      async () => {
        const { emu, client } = setup();
        const message = enc.encode("bytes for Web Crypto");
        await ownBuffer("base64UrlDecode", base64UrlDecode("AAECAwQ"));
        await ownBuffer("base64Decode", base64Decode("AAECAwQ="));
        await ownBuffer("utf8Encode", utf8Encode("text"));
        await ownBuffer("digestFor", await k.digestFor("ES256", message));

        const ec = await k.createEcKey(client, "ec", { curve: "P-256" });
        const signed = await k.signData(client, ec.id, "ES256", message);
        await ownBuffer("signData result", signed.result);
        await ownBuffer("sign result", (await k.sign(client, ec.id, "ES256", await k.digestFor("ES256", message))).result);
        const publicKey = await crypto.subtle.importKey("jwk", ec.key, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
        assert.equal(
          await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, publicKey, signed.result, message),
          true,
          "the README's verify, as written",
        );

        const rsa = await k.createRsaKey(client, "rsa", { keySize: 2048 });
        const dek = crypto.getRandomValues(new Uint8Array(32));
        const remote = await k.encrypt(client, rsa.id, "RSA-OAEP-256", dek);
        await ownBuffer("encrypt result", remote.result);
        await ownBuffer("decrypt result", (await k.decrypt(client, rsa.id, "RSA-OAEP-256", remote.result)).result);
        const wrapped = await k.wrapKey(client, rsa.id, "RSA-OAEP-256", dek);
        await ownBuffer("wrapKey result", wrapped.result);
        await ownBuffer("unwrapKey result", (await k.unwrapKey(client, rsa.id, "RSA-OAEP-256", wrapped.result)).result);
        await ownBuffer("encryptLocally", await k.encryptLocally(rsa.key, "RSA-OAEP-256", dek));
        const handle = new k.KeyHandle(client, "rsa");
        await ownBuffer("KeyHandle.encrypt (local)", (await handle.encrypt("RSA-OAEP-256", dek)).result);
        await ownBuffer("KeyHandle.wrapKey (local)", (await handle.wrapKey("RSA-OAEP-256", dek)).result);
        await ownBuffer("backupKey", await k.backupKey(client, "rsa"));

        const jwe = await lib.jose.encryptJwe(client, rsa.id, "sealed");
        await ownBuffer("decryptJwe plaintext", (await lib.jose.decryptJwe(client, jwe)).plaintext);

        await lib.secrets.setSecret(client, "s", "value");
        await ownBuffer("backupSecret", await lib.secrets.backupSecret(client, "s"));

        const authority = (await crypto.subtle.generateKey(
          { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
          true,
          ["sign", "verify"],
        )) as CryptoKeyPair;
        emu.trustAttestationAuthority("https://attest.example", [await crypto.subtle.exportKey("jwk", authority.publicKey)]);
        const released = await k.createRsaKey(client, "exportable", {
          hsm: true,
          exportable: true,
          releasePolicy: {
            data: { version: "1.0.0", anyOf: [{ authority: "https://attest.example", allOf: [{ claim: "x", equals: "y" }] }] },
          },
        });
        await ownBuffer("releasePolicy.data", released.properties.releasePolicy?.data);
      },
      { timeoutMs: 60_000 },
    );

    t.test(
      "Managed HSM byte results: random bytes, attestation blobs, AES iv, tag and aad",
      async () => {
        const { client } = setup({ managedHsm: true });
        await ownBuffer("getRandomBytes", await k.getRandomBytes(client, 32));
        const attested = await k.getKeyAttestation(client, (await k.createEcKey(client, "attested", { hsm: true })).name);
        await ownBuffer("attestation.publicKeyAttestation", attested.properties.attestation?.publicKeyAttestation);
        const aes = await k.createOctKey(client, "aes", { keySize: 256 });
        const aad = enc.encode("header");
        const gcm = await k.encrypt(client, aes.id, "A256GCM", enc.encode("text"), { aad });
        for (const part of ["result", "iv", "tag", "aad"] as const) await ownBuffer(`A256GCM ${part}`, gcm[part]);
        await ownBuffer("A256CBCPAD iv (made here)", (await k.encrypt(client, aes.id, "A256CBCPAD", enc.encode("text"))).iv);
      },
      { timeoutMs: 60_000 },
    );

    // A page is not cross-origin isolated here, so Chromium has no SharedArrayBuffer.
    t.test(
      "bytes on a SharedArrayBuffer reach Web Crypto as a copy; an echoed one comes back on an ArrayBuffer",
      async () => {
        assert.equal(typeof SharedArrayBuffer, "function", "this runtime has SharedArrayBuffer");
        const { client } = setup();
        const message = enc.encode("kept in shared memory");
        const sharedMessage = shared(message);
        assert.deepEqual(await k.digestFor("ES256", sharedMessage), await k.digestFor("ES256", message));
        const ec = await k.createEcKey(client, "ec", { curve: "P-256" });
        const signed = await k.signData(client, ec.id, "ES256", sharedMessage);
        assert.equal(await k.verifyDataLocally(ec.key, "ES256", message, signed.result), true, "signed the shared bytes");
        assert.equal(await k.verifyDataLocally(ec.key, "ES256", sharedMessage, shared(signed.result)), true, "verifies shared bytes");
        const rsa = await k.createRsaKey(client, "rsa", { keySize: 2048 });
        const local = await k.encryptLocally(rsa.key, "RSA-OAEP-256", sharedMessage);
        assert.deepEqual((await k.decrypt(client, rsa.id, "RSA-OAEP-256", local)).result, message);
        const jwe = await lib.jose.encryptJweToJwk(await lib.jose.getPublicJwk(client, rsa.id), sharedMessage);
        assert.deepEqual((await lib.jose.decryptJwe(client, jwe)).plaintext, message);

        const hsm = setup({ managedHsm: true });
        const aes = await k.createOctKey(hsm.client, "aes", { keySize: 256 });
        const aad = shared(enc.encode("header")); // the service does not send aad back: the result echoes ours
        const gcm = await k.encrypt(hsm.client, aes.id, "A256GCM", message, { aad });
        await ownBuffer("an echoed shared aad", gcm.aad);
        assert.deepEqual(Array.from(gcm.aad!), Array.from(aad));
      },
      { only: NOT_IN_BROWSERS, timeoutMs: 60_000 },
    );
  });
};
export default suite;
