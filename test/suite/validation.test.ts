// Forgiving, clear inputs, in every runtime: each helper family given wrong types, missing
// arguments, and options where a version (or a positional value) goes. Each call must fail with
// KeyVaultClientError ERR_INVALID_INPUT (the emulator: a TypeError or RangeError with that code)
// and a message that says what was expected, before anything is sent: every client and provider
// here sends through a fetch that counts, and the count stays 0.
import type { Lib, Registrar, SuiteFile } from "./harness.js";
import * as assert from "./assert.js";

type Case = [label: string, call: () => unknown, message: RegExp];

/** Runs each case, expecting ERR_INVALID_INPUT with the message; then checks nothing was sent. */
async function refuses(cases: Case[], sent: () => number, name = "KeyVaultClientError"): Promise<void> {
  for (const [label, call, message] of cases) {
    await assert.rejects(async () => call(), { name, code: "ERR_INVALID_INPUT", message }, label);
  }
  assert.equal(sent(), 0, "requests sent");
}

const suite: SuiteFile = (t: Registrar, lib: Lib) => {
  const { KeyVaultClient } = lib.core;
  const { createEmulator } = lib.emulator;
  const any = (v: unknown) => v as any;

  /** A client of a fresh emulator whose every request (vault or token) is counted. */
  function counted() {
    const emu = createEmulator();
    let sent = 0;
    const fetch = (input: string | URL | Request, init?: RequestInit) => {
      sent++;
      return emu.fetch(input, init);
    };
    const client = new KeyVaultClient(emu.vaultUrl, { getToken: emu.getToken, fetch });
    return { emu, client, fetch, sent: () => sent };
  }

  t.group("validation", () => {
    t.test("keys: wrong types, missing arguments, options where the version goes", async () => {
      const k = lib.keys;
      const { emu, client, fetch, sent } = counted();
      const keyClient = new k.KeyClient(emu.vaultUrl, { getToken: emu.getToken, fetch });
      const handle = keyClient.key("signer/0123456789abcdef0123456789abcdef");
      const digest = new Uint8Array(32),
        signature = new Uint8Array(64);
      const version =
        /the version must be a string; got an object \(options come after the version: \w+\(client, key, undefined, options\) for the newest\)$/;
      const jwk = { kty: "EC", crv: "P-256", x: "AA", y: "AA" };
      await refuses(
        [
          [
            "options where the version goes (getKey)",
            () => k.getKey(client, "signer", any({ signal: new AbortController().signal })),
            /^getKey: /,
          ],
          ["… the same, message", () => k.getKey(client, "signer", any({ signal: new AbortController().signal })), version],
          ["… on KeyClient", () => keyClient.getKey("signer", any({})), version],
          [
            "… on getKeyAttestation",
            () => k.getKeyAttestation(client, "signer", any({})),
            /^getKeyAttestation: the version must be a string/,
          ],
          ["a version of the wrong type", () => k.getKey(client, "signer", any(3)), /^getKey: the version must be a string; got a number$/],
          ["no client", () => k.getKey(any(undefined), "signer"), /^getKey takes a KeyVaultClient first; got undefined$/],
          [
            "the name where the client goes",
            () => (k.sign as any)("signer", "ES256", digest),
            /^sign takes a KeyVaultClient first; got a string$/,
          ],
          ["no key", () => k.getKey(client, any(undefined)), /^a key name or identifier is required; got undefined$/],
          [
            "create: no key type",
            () => k.createKey(client, "signer", any(undefined)),
            /^createKey: a key type is required, e.g\. "EC" or "RSA"; got undefined$/,
          ],
          [
            "create EC: the curve where the options go",
            () => k.createEcKey(client, "signer", any("P-256")),
            /^createEcKey takes an options object; got a string$/,
          ],
          [
            "create RSA: a key size as text",
            () => k.createRsaKey(client, "wrapper", any({ keySize: "2048" })),
            /^keySize must be a positive integer; got a string$/,
          ],
          [
            "create: a public exponent of the wrong type",
            () => k.createRsaKey(client, "wrapper", any({ publicExponent: "65537" })),
            /^publicExponent must be a positive integer, e\.g\. 65537; got a string$/,
          ],
          [
            "create: tags that are not strings",
            () => k.createKey(client, "signer", "EC", any({ tags: { team: 1 } })),
            /^createKey: tags must be an object of strings; got an object$/,
          ],
          [
            "create: keyOps as one string",
            () => k.createKey(client, "signer", "RSA", any({ keyOps: "sign" })),
            /^createKey: keyOps must be an array of operations .*; got a string$/,
          ],
          [
            "create: enabled of the wrong type",
            () => k.createEcKey(client, "signer", any({ enabled: "yes" })),
            /^createEcKey: enabled must be a boolean; got a string$/,
          ],
          [
            "create: a date that is not one",
            () => k.createEcKey(client, "signer", any({ expiresOn: "2030-01-01" })),
            /^expiresOn must be a valid Date; got a string$/,
          ],
          [
            "create oct: the size where the options go",
            () => k.createOctKey(client, "aes", any(256)),
            /^createOctKey takes an options object; got a number$/,
          ],
          [
            "import: no JWK",
            () => k.importKey(client, "imported", any(undefined)),
            /^importKey needs the key as a JWK with a kty .*; got undefined$/,
          ],
          [
            "update: nothing to change",
            () => k.updateKey(client, "signer", any(undefined)),
            /^updateKey\(client, key, \{ …changes, version\? \}\) needs the properties to change; got undefined$/,
          ],
          [
            "update: the version where the options go",
            () => k.updateKey(client, "signer", any("0123")),
            /got a string \(the version goes inside: \{ version \}\)$/,
          ],
          [
            "update: a version of the wrong type",
            () => k.updateKey(client, "signer", any({ version: 5, enabled: false })),
            /^updateKey: version must be a string; got a number$/,
          ],
          [
            "delete: options of the wrong type",
            () => k.deleteKey(client, "old", any("now")),
            /^deleteKey takes an options object; got a string$/,
          ],
          ["get deleted: no client", () => k.getDeletedKey(any(null), "old"), /^getDeletedKey takes a KeyVaultClient first; got null$/],
          ["purge: a name of the wrong type", () => k.purgeDeletedKey(client, any(5)), /^invalid key name a number/],
          [
            "recover: options as a list",
            () => k.recoverDeletedKey(client, "old", any([1])),
            /^recoverDeletedKey takes an options object; got an array$/,
          ],
          ["list: a page size where the options go", () => k.listKeys(client, any(10)), /^listKeys takes an options object; got a number$/],
          ["list versions: no name", () => k.listKeyVersions(client, any(undefined)), /^invalid key name undefined/],
          [
            "list deleted: no client",
            () => k.listDeletedKeys(any(undefined)),
            /^listDeletedKeys takes a KeyVaultClient first; got undefined$/,
          ],
          [
            "backup: options of the wrong type",
            () => k.backupKey(client, "signer", any(true)),
            /^backupKey takes an options object; got a boolean$/,
          ],
          [
            "restore: text instead of bytes",
            () => k.restoreKey(client, any("blob")),
            /^backup must be a Uint8Array; got a string \(encode text with new TextEncoder\(\)\.encode\(text\)\)$/,
          ],
          [
            "rotate: options of the wrong type",
            () => k.rotateKey(client, "signer", any("now")),
            /^rotateKey takes an options object; got a string$/,
          ],
          [
            "rotation policy: no client",
            () => k.getRotationPolicy(any(undefined), "signer"),
            /^getRotationPolicy takes a KeyVaultClient first/,
          ],
          [
            "rotation policy: none given",
            () => k.updateRotationPolicy(client, "signer", any(undefined)),
            /^a rotation policy needs lifetimeActions .*; got undefined$/,
          ],
          [
            "random bytes: a count as text",
            () => k.getRandomBytes(client, any("32")),
            /^getRandomBytes takes a count from 1 to 128; got a string$/,
          ],
          [
            "release: no attestation token",
            () => k.releaseKey(client, "exportable", any(undefined)),
            /^releaseKey needs the target's attestation token \(a JWT string\); got undefined$/,
          ],
          [
            "release: a nonce of the wrong type",
            () => k.releaseKey(client, "exportable", "jwt", any({ nonce: 5 })),
            /^releaseKey: nonce must be a string; got a number$/,
          ],
          ["sign: no digest", () => k.sign(client, "signer", "ES256", any(undefined)), /^digest must be a Uint8Array; got undefined$/],
          [
            "sign: no algorithm",
            () => k.sign(client, "signer", any(undefined), digest),
            /^a signature algorithm is required, e\.g\. "ES256"; got undefined$/,
          ],
          [
            "sign: text instead of a digest",
            () => k.sign(client, "signer", "ES256", any("digest")),
            /^digest must be a Uint8Array; got a string \(encode text/,
          ],
          [
            "sign: options of the wrong type",
            () => k.sign(client, "signer", "ES256", digest, any("fast")),
            /^sign takes an options object; got a string$/,
          ],
          [
            "sign data: an ArrayBuffer",
            () => k.signData(client, "signer", "ES256", any(new ArrayBuffer(4))),
            /^data must be a Uint8Array; got an object \(wrap it: new Uint8Array\(buffer\)\)$/,
          ],
          [
            "verify: no signature",
            () => k.verify(client, "signer", "ES256", digest, any(undefined)),
            /^signature must be a Uint8Array; got undefined$/,
          ],
          [
            "verify data: a signal that is not one",
            () => k.verifyData(client, "signer", "ES256", digest, signature, any({ signal: {} })),
            /^verifyData: signal must be an AbortSignal; got an object$/,
          ],
          [
            "encrypt: no plaintext",
            () => k.encrypt(client, "rsa", "RSA-OAEP-256", any(undefined)),
            /^plaintext must be a Uint8Array; got undefined$/,
          ],
          [
            "decrypt: no algorithm",
            () => k.decrypt(client, "rsa", any(undefined), digest),
            /^an encryption algorithm is required, e\.g\. "RSA-OAEP-256"; got undefined$/,
          ],
          [
            "wrap: text instead of a key",
            () => k.wrapKey(client, "kek", "RSA-OAEP-256", any("dek")),
            /^plaintext must be a Uint8Array; got a string/,
          ],
          [
            "unwrap: no client",
            () => k.unwrapKey(any(undefined), "kek", "RSA-OAEP-256", digest),
            /^unwrapKey takes a KeyVaultClient first; got undefined$/,
          ],
          ["digest: text instead of bytes", () => k.digestFor("ES256", any("data")), /^data must be a Uint8Array; got a string/],
          [
            "verify locally: no key",
            () => k.verifyLocally(any(undefined), "ES256", digest, signature),
            /^verifyLocally takes a public JWK \(e\.g\. a vault key's key\); got undefined$/,
          ],
          [
            "verify data locally: no signature",
            () => k.verifyDataLocally(jwk, "ES256", digest, any(undefined)),
            /^signature must be a Uint8Array; got undefined$/,
          ],
          ["encrypt locally: no key", () => k.encryptLocally(any(null), "RSA-OAEP-256", digest), /^encryptLocally takes a public JWK/],
          ["can verify locally: no key", () => k.canVerifyLocally("ES256", any(undefined)), /^canVerifyLocally takes a public JWK/],
          [
            "can encrypt locally: a key as text",
            () => k.canEncryptLocally("RSA-OAEP", any("jwk")),
            /^canEncryptLocally takes a public JWK .*; got a string$/,
          ],
          [
            "KeyHandle: options where the version goes",
            () => new k.KeyHandle(client, "signer", any({ remote: true })),
            /^KeyHandle: the version must be a string; got an object/,
          ],
          [
            "KeyClient.key: options where the version goes",
            () => keyClient.key("signer", any({ remote: true })),
            /^KeyHandle: the version must be a string; got an object/,
          ],
          [
            "KeyHandle: no client",
            () => new k.KeyHandle(any(undefined), "signer"),
            /^KeyHandle takes a KeyVaultClient first; got undefined$/,
          ],
          [
            "KeyHandle: remote of the wrong type",
            () => new k.KeyHandle(client, "signer", undefined, any({ remote: "yes" })),
            /^KeyHandle: remote must be a boolean; got a string$/,
          ],
          [
            "KeyHandle: latestMaxAgeMs as text",
            () => keyClient.key("signer", undefined, any({ latestMaxAgeMs: "1000" })),
            /^KeyHandle: latestMaxAgeMs must be a number of milliseconds/,
          ],
          [
            "handle.sign: options of the wrong type",
            () => handle.sign("ES256", digest, any("fast")),
            /^sign takes an options object; got a string$/,
          ],
          [
            "handle.verify: no signature",
            () => handle.verify("ES256", digest, any(undefined)),
            /^signature must be a Uint8Array; got undefined$/,
          ],
          [
            "handle.encrypt: no plaintext",
            () => handle.encrypt("RSA-OAEP-256", any(undefined)),
            /^plaintext must be a Uint8Array; got undefined$/,
          ],
          [
            "handle.getPublicKey: options of the wrong type",
            () => handle.getPublicKey(any(1)),
            /^getPublicKey takes an options object; got a number$/,
          ],
          [
            "usable: no key",
            () => k.usable(any(undefined), "sign"),
            /^usable takes a key as the vault returned it \(getKey's answer\); got undefined$/,
          ],
          [
            "parseKeyId: not an identifier",
            () => k.parseKeyId(any(5)),
            /^not a key identifier \(https:\/\/\{vault\}\/keys\/\{name\}\[\/\{version\}\]\); got a number$/,
          ],
        ],
        sent,
      );
    });

    t.test("jose: wrong types, missing arguments, options in the wrong place", async () => {
      const j = lib.jose;
      const { client, sent } = counted();
      const rsa = { kty: "RSA", n: "AQAB", e: "AQAB", kid: "https://v.vault.azure.net/keys/k/0123" };
      await refuses(
        [
          [
            "JWT: no options",
            () => j.signJwt(client, "signer", any(undefined)),
            /^signJwt\(client, key, \{ alg, payload \}\) needs its options; got undefined$/,
          ],
          [
            "JWT: claims as text",
            () => j.signJwt(client, "signer", any({ alg: "ES256", payload: "sub=alice" })),
            /^a JWT payload must be an object of claims; got a string$/,
          ],
          [
            "JWT: an algorithm the vault has not",
            () => j.signJwt(client, "signer", any({ alg: "HS256", payload: {} })),
            /^unsupported JWS algorithm "HS256"/,
          ],
          [
            "JWT: no client",
            () => j.signJwt(any(undefined), "signer", { alg: "ES256", payload: {} }),
            /^signJwt takes a KeyVaultClient first; got undefined$/,
          ],
          ["JWS: no client", () => j.signJws(any("signer"), "ES256", any({})), /^signJws takes a KeyVaultClient first; got a string$/],
          [
            "JWS: the algorithm where the options go",
            () => j.signJws(client, "signer", any("ES256")),
            /^signJws\(client, key, \{ alg, payload \}\) needs its options; got a string$/,
          ],
          [
            "JWS: a payload of the wrong type",
            () => j.signJws(client, "signer", any({ alg: "ES256", payload: 5 })),
            /^payload must be bytes or a string; got a number$/,
          ],
          [
            "JWS: a header that is not an object",
            () => j.signJws(client, "signer", any({ alg: "ES256", payload: "x", header: "h" })),
            /^header must be an object; got a string$/,
          ],
          [
            "JWS: a signal that is not one",
            () => j.signJws(client, "signer", any({ alg: "ES256", payload: "x", signal: 1 })),
            /^signJws: signal must be an AbortSignal; got a number$/,
          ],
          [
            "JWS: a key of the wrong type",
            () => j.signJws(client, any(5), { alg: "ES256", payload: "x" }),
            /^a key name, name\/version or key identifier is required; got a number$/,
          ],
          [
            "JWKS: the use where the options go",
            () => j.getJwks(client, "signer", any("sig")),
            /^getJwks takes an options object; got a string$/,
          ],
          ["JWKS: an unknown use", () => j.getJwks(client, "signer", any({ use: "both" })), /use must be "sig" or "enc"/],
          [
            "JWKS: an alg of the wrong type",
            () => j.getJwks(client, "signer", any({ alg: 256 })),
            /^getJwks: alg must be a string; got a number$/,
          ],
          [
            "publishJwk: no key",
            () => j.publishJwk(any(undefined)),
            /^publishJwk takes a public JWK \(getPublicJwk's answer\); got undefined$/,
          ],
          [
            "publishJwk: an unknown use",
            () => j.publishJwk(any(rsa), any({ use: "both" })),
            /^publishJwk: use must be "sig" or "enc"; got a string$/,
          ],
          [
            "JWE: no plaintext",
            () => j.encryptJwe(client, "envelope", any(undefined)),
            /^encryptJwe: the plaintext must be bytes or a string; got undefined$/,
          ],
          [
            "JWE: the algorithm where the options go",
            () => j.encryptJwe(client, "envelope", "x", any("RSA-OAEP")),
            /^encryptJwe takes an options object; got a string$/,
          ],
          [
            "JWE to a JWK: no key",
            () => j.encryptJweToJwk(any(undefined), "x"),
            /^encryptJweToJwk takes a public RSA JWK first; got undefined$/,
          ],
          [
            "JWE to a JWK: a padding-oracle algorithm",
            () => j.encryptJweToJwk(rsa, "x", any({ alg: "RSA1_5" })),
            /^unsupported key management "RSA1_5"/,
          ],
          [
            "JWE to a JWK: a header of the wrong type",
            () => j.encryptJweToJwk(rsa, "x", any({ header: "h" })),
            /^encryptJweToJwk: header must be an object; got a string$/,
          ],
          ["decrypt: not a string", () => j.decryptJwe(client, any(5)), /^decryptJwe takes the compact JWE as a string; got a number$/],
          [
            "decrypt: no client",
            () => j.decryptJwe(any(undefined), "a.b.c.d.e"),
            /^decryptJwe takes a KeyVaultClient first; got undefined$/,
          ],
          [
            "decrypt: algorithms as one string",
            () => j.decryptJwe(client, "a.b.c.d.e", any({ algorithms: "RSA-OAEP" })),
            /^decryptJwe: algorithms must be an array of algorithm names; got a string$/,
          ],
          [
            "decrypt: a key of the wrong type",
            () => j.decryptJwe(client, "a.b.c.d.e", any({ key: 1 })),
            /^decryptJwe: key must be a string; got a number$/,
          ],
          [
            "public JWK: options of the wrong type",
            () => j.getPublicJwk(client, "signer", any("sig")),
            /^getPublicJwk takes an options object; got a string$/,
          ],
          [
            "public JWK: no client",
            () => j.getPublicJwk(any(undefined), "signer"),
            /^getPublicJwk takes a KeyVaultClient first; got undefined$/,
          ],
          ["publicJwk: no key", () => j.publicJwk(any(undefined)), /^publicJwk takes a key's JWK \(getKey's key\); got undefined$/],
        ],
        sent,
      );
    });

    t.test("secrets: wrong types, missing arguments, options in the wrong place", async () => {
      const s = lib.secrets;
      const { client, sent } = counted();
      await refuses(
        [
          ["no client", () => s.getSecret(any(undefined), "db"), /^getSecret takes a KeyVaultClient first; got undefined$/],
          [
            "the name where the client goes",
            () => (s.getSecret as any)("db-password"),
            /^getSecret takes a KeyVaultClient first; got a string$/,
          ],
          [
            "a plain object as the client",
            () => s.setSecret(any({ vaultUrl: "https://x.vault.azure.net" }), "db", "v"),
            /^setSecret takes a KeyVaultClient first; got an object$/,
          ],
          [
            "a version string where the options go",
            () => s.getSecret(client, "db", any("0123")),
            /getSecret takes an options object .*: for a version pass \{ version: "…" \}/,
          ],
          [
            "a signal that is not one",
            () => s.getSecret(client, "db", { signal: any("stop") }),
            /^getSecret: signal must be an AbortSignal; got a string$/,
          ],
          ["no name", () => s.getSecret(client, any(undefined)), /a secret name or identifier is required; got undefined/],
          ["no value", () => s.setSecret(client, "db", any(undefined)), /setSecret needs the value as a string; got undefined/],
          [
            "options where the version goes",
            () => s.updateSecretProperties(client, "db", any({ enabled: false }), any(undefined)),
            /the third argument is the version .*, as if it were the options/,
          ],
          [
            "backup: options of the wrong type",
            () => s.backupSecret(client, "db", any("now")),
            /^backupSecret takes an options object; got a string$/,
          ],
          [
            "restore: no backup",
            () => s.restoreSecretBackup(client, any(undefined)),
            /restoreSecretBackup needs the backup as non-empty bytes \(Uint8Array\); got undefined/,
          ],
          [
            "delete: wait given positionally",
            () => s.deleteSecret(client, "db", any(true)),
            /^deleteSecret takes an options object; got a boolean$/,
          ],
          [
            "delete: wait of the wrong type",
            () => s.deleteSecret(client, "db", { wait: any("yes") }),
            /wait must be true, false or \{ timeoutMs, intervalMs \}/,
          ],
          [
            "get deleted: no client",
            () => s.getDeletedSecret(any(null), "db"),
            /^getDeletedSecret takes a KeyVaultClient first; got null$/,
          ],
          [
            "recover: options of the wrong type",
            () => s.recoverDeletedSecret(client, "db", any(5)),
            /^recoverDeletedSecret takes an options object; got a number$/,
          ],
          ["purge: a bad name", () => s.purgeDeletedSecret(client, any(42)), /invalid secret name a number/],
          [
            "list: a page size where the options go",
            () => s.listPropertiesOfSecrets(client, any(25)),
            /^listPropertiesOfSecrets takes an options object; got a number$/,
          ],
          ["list versions: no name", () => s.listPropertiesOfSecretVersions(client, any(undefined)), /invalid secret name undefined/],
          [
            "list deleted: no client",
            () => s.listDeletedSecrets(any(undefined)),
            /^listDeletedSecrets takes a KeyVaultClient first; got undefined$/,
          ],
          [
            "page size out of range",
            () => s.listPropertiesOfSecrets(client, { maxPageSize: 26 }),
            /maxPageSize must be an integer from 1 to 25; got 26/,
          ],
          [
            "KV store: no namespace",
            () => s.workersKvStore(any(undefined)),
            /^workersKvStore takes a KV namespace binding \(env\.MY_NAMESPACE\): an object with get, put, delete; got undefined$/,
          ],
          [
            "Cache store: not a cache",
            () => s.workersCacheStore(any({ match: () => undefined })),
            /^workersCacheStore takes a Cache .*; got an object$/,
          ],
          [
            "Cache store: a base URL of the wrong type",
            () => s.workersCacheStore(any({ match() {}, put() {}, delete() {} }), any({ baseUrl: 5 })),
            /^workersCacheStore: baseUrl must be a string; got a number$/,
          ],
          ["Deno KV store: not a database", () => s.denoKvStore(any("kv")), /^denoKvStore takes a Deno KV database .*; got a string$/],
          [
            "Deno KV store: a prefix that is not a list",
            () => s.denoKvStore(any({ get() {}, set() {}, delete() {} }), any({ prefix: "app" })),
            /^denoKvStore: prefix must be an array of strings; got a string$/,
          ],
          [
            "SecretClient: options where the version goes",
            () =>
              new s.SecretClient(client.vaultUrl, {
                getToken: async () => "t",
                fetch: () => {
                  throw new Error("sent");
                },
              }).updateSecretProperties("db", any({ tags: {} }), any(undefined)),
            /the third argument is the version/,
          ],
        ],
        sent,
      );
    });

    t.test("entra: options objects, not positional credentials; every option of its type", async () => {
      const e = lib.entra;
      let sent = 0;
      const fetch = async () => {
        sent++;
        return new Response("{}", { status: 500 });
      };
      const app = { tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47", clientId: "11111111-2222-3333-4444-555555555555", fetch };
      const msal = {
        acquireTokenSilent: async () => ({ accessToken: "t", expiresOn: null }),
        acquireTokenPopup: async () => ({ accessToken: "t", expiresOn: null }),
      };
      await refuses(
        [
          [
            "client secret: the @azure/identity argument order",
            () => (e.fromClientSecret as any)(app.tenantId, app.clientId, "secret"),
            /^fromClientSecret takes one options object \(\{ tenantId, clientId, … \}\); got a string: fromClientSecret\(\{ tenantId, clientId, … \}\), not positional arguments$/,
          ],
          [
            "client secret: no options",
            () => e.fromClientSecret(any(undefined)),
            /^fromClientSecret takes one options object .*; got undefined$/,
          ],
          [
            "client secret: no secret",
            () => e.fromClientSecret(any({ ...app })),
            /^fromClientSecret: clientSecret is required \(the secret's value, a string\); got undefined$/,
          ],
          [
            "client secret: no client id",
            () => e.fromClientSecret(any({ tenantId: app.tenantId, clientSecret: "s" })),
            /^fromClientSecret: clientId is required \(the application id\); got undefined$/,
          ],
          [
            "client secret: no tenant",
            () => e.fromClientSecret(any({ clientId: app.clientId, clientSecret: "s" })),
            /tenantId must be a tenant id or domain/,
          ],
          [
            "enableCae of the wrong type",
            () => e.fromClientSecret({ ...app, clientSecret: "s", enableCae: any("yes") }),
            /^fromClientSecret: enableCae must be a boolean; got a string$/,
          ],
          [
            "allowInsecureLoopback of the wrong type",
            () => e.fromClientSecret({ ...app, clientSecret: "s", allowInsecureLoopback: any(1) }),
            /^fromClientSecret: allowInsecureLoopback must be a boolean; got a number$/,
          ],
          [
            "authorityHost of the wrong type",
            () => e.fromClientSecret({ ...app, clientSecret: "s", authorityHost: any(new URL("https://login.microsoftonline.us")) }),
            /^fromClientSecret: authorityHost must be a string; got an object$/,
          ],
          [
            "fetch that is not a function",
            () => e.fromClientSecret({ ...app, clientSecret: "s", fetch: any("fetch") }),
            /^fromClientSecret: fetch must be a function; got a string$/,
          ],
          [
            "retry of the wrong type",
            () => e.fromClientSecret({ ...app, clientSecret: "s", retry: any(3) }),
            /^fromClientSecret: retry must be false or \{ retries, minDelayMs, maxDelayMs, maxElapsedMs \}; got a number$/,
          ],
          [
            "retry count below 0",
            () => e.fromClientSecret({ ...app, clientSecret: "s", retry: { retries: -1 } }),
            /^fromClientSecret: retry\.retries must be a whole number of at least 0; got a number$/,
          ],
          [
            "certificate: not PEM text",
            () => e.fromClientCertificate(any({ ...app, certificate: new Uint8Array(4) })),
            /^fromClientCertificate: certificate must be PEM text \(a string\); got bytes$/,
          ],
          [
            "certificate: a private key of the wrong type",
            () => e.fromClientCertificate(any({ ...app, certificate: "-----BEGIN CERTIFICATE-----", privateKey: 42 })),
            /^fromClientCertificate: privateKey must be PEM text or a CryptoKey; got a number$/,
          ],
          [
            "certificate: sendCertificateChain of the wrong type",
            () => e.fromClientCertificate(any({ ...app, certificate: "pem", sendCertificateChain: "yes" })),
            /^fromClientCertificate: sendCertificateChain must be a boolean; got a string$/,
          ],
          [
            "certificate: a lifetime out of range",
            () => e.fromClientCertificate(any({ ...app, certificate: "pem", assertionLifetimeSeconds: 0 })),
            /assertionLifetimeSeconds must be a number of seconds from 1 to 3600; got a number/,
          ],
          ["certificate: positional", () => e.fromClientCertificate(any(app.tenantId)), /^fromClientCertificate takes one options object/],
          [
            "assertion: none",
            () => e.fromClientAssertion(any({ ...app })),
            /^fromClientAssertion: assertion must be a non-empty string or a function; got undefined$/,
          ],
          [
            "managed identity: a client id where the options go",
            () => e.fromManagedIdentity(any("11111111-2222-3333-4444-555555555555")),
            /^fromManagedIdentity takes an options object; got a string: for a user-assigned identity pass \{ clientId: "…" \}$/,
          ],
          [
            "managed identity: an endpoint of the wrong type",
            () => e.fromManagedIdentity(any({ identityEndpoint: new URL("http://localhost:42356/msi/token"), identityHeader: "h" })),
            /^fromManagedIdentity: identityEndpoint must be a string; got an object$/,
          ],
          [
            "managed identity: fetch that is not a function",
            () => e.fromManagedIdentity(any({ fetch: {} })),
            /^fromManagedIdentity: fetch must be a function; got an object$/,
          ],
          [
            "managed identity: two ids",
            () => e.fromManagedIdentity({ clientId: "a", objectId: "b" }),
            /give at most one of clientId, objectId, resourceId/,
          ],
          [
            "managedIdentityFromEnv: no environment",
            () => e.managedIdentityFromEnv(any(undefined)),
            /^managedIdentityFromEnv takes the environment as an object .*; got undefined$/,
          ],
          [
            "MSAL: no application",
            () => e.fromMsal(any(undefined), { interaction: "popup" }),
            /^fromMsal: pass an MSAL PublicClientApplication .*; got undefined$/,
          ],
          [
            "MSAL: the interaction where the options go",
            () => e.fromMsal(msal, any("popup")),
            /^fromMsal\(msal, options\) takes an options object; got a string: fromMsal\(msal, \{ interaction: "popup" \}\)$/,
          ],
          [
            "MSAL: an unknown interaction",
            () => e.fromMsal(msal, any({ interaction: "window" })),
            /interaction must be "popup", "redirect" or "none"/,
          ],
          ["userScope: not a scope", () => e.userScope(any(undefined)), /^userScope takes a scope string; got undefined$/],
          [
            "tokenEndpoint: no base",
            () => e.tokenEndpoint(any(undefined), "t"),
            /^tokenEndpoint\(base, tenant\) takes two strings; got undefined and a string$/,
          ],
          [
            "chooseTenant: no configured tenant",
            () => e.chooseTenant(any(undefined), "t"),
            /^chooseTenant: the configured tenant must be a string; got undefined$/,
          ],
        ],
        () => sent,
      );
    });

    t.test("emulator: createEmulator's options and the emulator's methods refuse bad input with a code", async () => {
      const cases: [string, () => unknown, RegExp, string][] = [
        [
          "a name where the options go",
          () => createEmulator(any("test-vault")),
          /^createEmulator takes an options object; got a string: createEmulator\(\{ name: "test-vault" \}\)$/,
          "TypeError",
        ],
        ["null options", () => createEmulator(any(null)), /^createEmulator takes an options object; got null$/, "TypeError"],
        [
          "a seed that is not a number",
          () => createEmulator(any({ seed: "42" })),
          /^createEmulator: seed must be a number; got a string$/,
          "TypeError",
        ],
        [
          "a clock that is not a function",
          () => createEmulator(any({ now: Date.now() })),
          /^createEmulator: now must be a function; got a number$/,
          "TypeError",
        ],
        [
          "a managed HSM flag of the wrong type",
          () => createEmulator(any({ managedHsm: "yes" })),
          /^createEmulator: managedHsm must be a boolean; got a string$/,
          "TypeError",
        ],
        [
          "cors as one string",
          () => createEmulator(any({ cors: "http://localhost:5173" })),
          /^createEmulator: cors must be an array of origins$/,
          "TypeError",
        ],
        ["a bad cors origin", () => createEmulator({ cors: ["localhost:5173"] }), /cors origins are scheme:\/\/host\[:port\]/, "TypeError"],
        [
          "managedIdentity of the wrong type",
          () => createEmulator(any({ managedIdentity: "yes" })),
          /^createEmulator: managedIdentity must be true, false or \{/,
          "TypeError",
        ],
        ["a negative log limit", () => createEmulator({ requestLogLimit: -1 }), /requestLogLimit must be 0 or more/, "RangeError"],
        [
          "a token lifetime of 0",
          () => createEmulator({ tokenLifetimeSeconds: 0 }),
          /tokenLifetimeSeconds must be more than 0/,
          "RangeError",
        ],
        [
          "recoverable days out of range",
          () => createEmulator({ recoverableDays: 3 }),
          /recoverableDays must be an integer from 7 to 90/,
          "RangeError",
        ],
        ["a bad vault name", () => createEmulator({ name: "x" }), /invalid vault name 'x'/, "TypeError"],
        [
          "vaults beside name",
          () => createEmulator({ name: "one-vault", vaults: [{ name: "two-vault" }] }),
          /give name inside vaults\[\], not next to it/,
          "TypeError",
        ],
        [
          "registerClient without a client id",
          () => createEmulator().registerClient(any({ clientSecret: "s" })),
          /registerClient: clientId is required/,
          "TypeError",
        ],
        [
          "a clock move that is no duration",
          () => createEmulator().clock.advance(any("soon")),
          /clock\.advance: not a duration/,
          "RangeError",
        ],
        [
          "a fault probability over 1",
          () => createEmulator().faults.add({ status: 503, probability: 2 }),
          /probability must be between 0 and 1/,
          "RangeError",
        ],
      ];
      for (const [label, call, message, name] of cases) {
        await assert.rejects(async () => call(), { name, code: "ERR_INVALID_INPUT", message }, label);
      }
      const emu = createEmulator();
      await assert.rejects(
        async () => emu.vault(emu.vaultUrl).importState(any({})),
        { name: "TypeError", code: "ERR_INVALID_INPUT", message: /^importState: not a vault state/ },
        "a state that is not one",
      );
      await assert.rejects(
        async () => lib.emulator.openEmulator(any("state.json")),
        { name: "TypeError", code: "ERR_INVALID_INPUT", message: /^openEmulator takes an options object; got a string/ },
        "openEmulator without options",
      );
    });
  });
};
export default suite;
