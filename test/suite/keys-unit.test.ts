// keyvault-fetch/keys without the emulator: input checks that send nothing, local crypto against
// Web Crypto, JWKs that import unchanged, the key-handle cache, and lazy paging — on a scripted vault.
import fc from "fast-check";
import * as jose from "jose";
import type { Lib, Registrar } from "./harness.js";
import * as assert from "./assert.js";
import { mockVault, countingProvider, type SeenRequest } from "./mock.js";

const enc = new TextEncoder();
const VERSION_A = "0123456789abcdef0123456789abcdef";
const VERSION_B = "fedcba9876543210fedcba9876543210";
type Pair = { publicJwk: JsonWebKey; privateKey: CryptoKey };

/** A scripted vault serving one key per version (latest = last), recording what it was asked. */
function keyVault(
  lib: Lib,
  versions: Record<string, { jwk: JsonWebKey; kty?: string; keyOps?: string[]; attributes?: Record<string, unknown> }>,
  name = "k",
) {
  const latest = () => Object.keys(versions).at(-1)!;
  const vault = mockVault({
    handler: (req) => {
      const path = new URL(req.url).pathname;
      const m = /^\/keys\/([^/]+)\/?([^/]*)\/?([a-z]*)$/.exec(path);
      if (req.method === "GET" && m && m[1] === name && !m[3]) {
        const version = m[2] || latest();
        const v = versions[version];
        if (!v) return Response.json({ error: { code: "KeyNotFound", message: "no such version" } }, { status: 404 });
        const { kty, n, e, crv, x, y } = v.jwk;
        return Response.json({
          key: {
            kid: `${vault.vaultUrl}/keys/${name}/${version}`,
            kty: v.kty ?? kty,
            key_ops: v.keyOps ?? ["sign", "verify", "encrypt", "decrypt", "wrapKey", "unwrapKey"],
            n,
            e,
            crv,
            x,
            y,
          },
          attributes: {
            enabled: true,
            created: 1_700_000_000,
            updated: 1_700_000_000,
            recoveryLevel: "Recoverable+Purgeable",
            ...v.attributes,
          },
        });
      }
      if (req.method === "POST" && m && m[3] === "verify") return Response.json({ value: true });
      if (req.method === "POST" && m && (m[3] === "encrypt" || m[3] === "wrapkey"))
        return Response.json({ kid: `${vault.vaultUrl}/keys/${name}/${m[2] || latest()}`, value: "AAEC" });
      return Response.json({ error: { code: "BadParameter", message: `unexpected ${req.method} ${path}` } }, { status: 400 });
    },
  });
  const authorized = () => vault.requests.filter((r: SeenRequest) => r.authorization);
  return { vault, authorized };
}

async function ecPair(namedCurve: string): Promise<Pair> {
  const kp = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve }, true, ["sign", "verify"])) as CryptoKeyPair;
  return { publicJwk: await crypto.subtle.exportKey("jwk", kp.publicKey), privateKey: kp.privateKey };
}
// RSA key generation is slow in some runtimes: make two key pairs once, then import them under
// whichever algorithm and hash a test needs (importing is cheap).
const rsaBases: Promise<JsonWebKey>[] = [];
function rsaBase(index: number): Promise<JsonWebKey> {
  rsaBases[index] ??= (async () => {
    const kp = (await crypto.subtle.generateKey(
      { name: "RSA-OAEP", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      true,
      ["encrypt", "decrypt"],
    )) as CryptoKeyPair;
    return crypto.subtle.exportKey("jwk", kp.privateKey);
  })();
  return rsaBases[index]!;
}
async function rsaPair(name: "RSASSA-PKCS1-v1_5" | "RSA-PSS" | "RSA-OAEP", hash: string, index = 0): Promise<Pair> {
  const { kty, n, e, d, p, q, dp, dq, qi } = await rsaBase(index);
  const privateKey = await crypto.subtle.importKey("jwk", { kty, n, e, d, p, q, dp, dq, qi }, { name, hash }, false, [
    name === "RSA-OAEP" ? "decrypt" : "sign",
  ]);
  return { publicJwk: { kty: "RSA", n, e }, privateKey };
}
const digestOf = async (hash: string, data: Uint8Array) => new Uint8Array(await crypto.subtle.digest(hash, data as BufferSource));

export function keysUnit(t: Registrar, lib: Lib): void {
  const { KeyClient, KeyHandle, verifyLocally, verifyDataLocally, encryptLocally, parseKeyId, listKeys } = lib.keys;
  const { KeyVaultClient } = lib.core;

  /** A client whose fetch counts calls: for checks that must fail before any request. */
  function silentClient() {
    let calls = 0;
    const client = new KeyClient("https://unit.vault.azure.net", {
      getToken: () => "t",
      fetch: async () => {
        calls++;
        return new Response("{}", { status: 500 });
      },
      retry: false,
    });
    return { client, calls: () => calls };
  }

  t.group("keys input checks", () => {
    t.test("digest length and algorithm are checked before any request, with a message that says what is needed", async () => {
      const { client, calls } = silentClient();
      await assert.rejects(() => client.sign("k", "ES384", new Uint8Array(32)), {
        name: "KeyVaultClientError",
        code: "ERR_INVALID_INPUT",
        message: /^ES384 needs a 48-byte digest and a P-384 key; got a 32-byte digest$/,
      });
      await assert.rejects(() => client.sign("k", "RS256", new Uint8Array(48)), {
        code: "ERR_INVALID_INPUT",
        message: /RS256 needs a 32-byte digest and an RSA key/,
      });
      await assert.rejects(() => client.sign("k", "ES512", new Uint8Array(66)), {
        message: /ES512 needs a 64-byte digest and a P-521 key/,
      });
      await assert.rejects(() => client.verify("k", "PS384", new Uint8Array(32), new Uint8Array(256)), {
        message: /PS384 needs a 48-byte digest/,
      });
      await assert.rejects(() => client.sign("k", "ES256", [1, 2, 3] as unknown as Uint8Array), {
        code: "ERR_INVALID_INPUT",
        message: /digest must be a Uint8Array/,
      });
      await assert.rejects(() => client.sign("k", "", new Uint8Array(32)), { code: "ERR_INVALID_INPUT" });
      assert.equal(calls(), 0);
    });

    t.test("names, versions and identifiers are checked; a key of another vault is refused", async () => {
      const { client, calls } = silentClient();
      const d = new Uint8Array(32);
      for (const bad of ["bad name", "a".repeat(128), "k/../../deletedkeys/x", "k?x=1", "k#"]) {
        await assert.rejects(() => client.sign(bad, "ES256", d), { code: "ERR_INVALID_INPUT" }, bad);
      }
      await assert.rejects(() => client.sign("https://other.vault.azure.net/keys/k/" + VERSION_A, "ES256", d), {
        code: "ERR_FOREIGN_ORIGIN",
      });
      await assert.rejects(() => client.getKey("https://unit.vault.azure.net/keys"), { code: "ERR_INVALID_INPUT" });
      await assert.rejects(() => client.deleteKey(`k/${VERSION_A}`), { code: "ERR_INVALID_INPUT", message: /every version/ });
      assert.equal(calls(), 0);
    });

    t.test("AES modes need their iv and tag; bad dates, sizes, counts and policies are refused", async () => {
      const { client, calls } = silentClient();
      const p = new Uint8Array(16);
      await assert.rejects(() => client.decrypt("k", "A256GCM", p, { iv: new Uint8Array(12) }), {
        message: /A256GCM decryption needs the iv and tag/,
      });
      await assert.rejects(() => client.decrypt("k", "A128CBC", p), { message: /A128CBC needs a 16-byte iv/ });
      await assert.rejects(() => client.encrypt("k", "A128CBC", p, { iv: new Uint8Array(8) }), { message: /A128CBC needs a 16-byte iv/ });
      await assert.rejects(() => client.encrypt("k", "A128CBC", new Uint8Array(5), { iv: p }), {
        message: /whole 16-byte blocks; use A128CBCPAD/,
      });
      await assert.rejects(() => client.encrypt("k", "RSA-OAEP", p, { iv: p }), { message: /takes no iv/ });
      await assert.rejects(() => client.createKey("k", "RSA", { expiresOn: new Date("nope") }), {
        message: /expiresOn must be a valid Date/,
      });
      await assert.rejects(() => client.createKey("k", "RSA", { curve: "P-256" }), { message: /curve goes with an EC key/ });
      await assert.rejects(() => client.createKey("k", "RSA", { keySize: 20.5 }), { message: /keySize/ });
      await assert.rejects(() => client.getRandomBytes(129), { message: /1 to 128/ });
      await assert.rejects(
        () =>
          client.updateRotationPolicy("k", { lifetimeActions: [{ action: "Rotate", timeAfterCreate: "P1D", timeBeforeExpiry: "P1D" }] }),
        { message: /exactly one of/ },
      );
      await assert.rejects(() => client.listKeys({ maxPageSize: 30 }) as unknown as Promise<void>, {
        message: /maxPageSize must be an integer from 1 to 25/,
      });
      await assert.rejects(() => client.restoreKey("blob" as unknown as Uint8Array), { message: /backup must be a Uint8Array/ });
      assert.equal(calls(), 0);
    });

    t.test("a handle that knows its key checks algorithm against key type and curve before sending", async () => {
      const p256 = await ecPair("P-256");
      const { vault, authorized } = keyVault(lib, { [VERSION_A]: { jwk: p256.publicJwk } });
      const client = new KeyClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch: vault.fetch });
      const handle = client.key("k", VERSION_A);
      await assert.rejects(() => handle.verify("ES384", new Uint8Array(48), new Uint8Array(96)), {
        code: "ERR_INVALID_INPUT",
        message: /^ES384 needs a 48-byte digest and a P-384 key; this is a P-256 key$/,
      });
      assert.equal(authorized().length, 1, "only the key was fetched");
      await assert.rejects(() => handle.sign("RS256", new Uint8Array(32)), {
        message: /RS256 needs a 32-byte digest and an RSA key; this is a P-256 key/,
      });
      await assert.rejects(() => handle.encrypt("RSA-OAEP-256", new Uint8Array(8)), {
        message: /RSA-OAEP-256 needs an RSA key; this is an EC key/,
      });
      assert.equal(authorized().length, 1, "nothing more was sent");
    });
  });

  t.group("keys local crypto", () => {
    for (const [crv, alg, hash] of [
      ["P-256", "ES256", "SHA-256"],
      ["P-384", "ES384", "SHA-384"],
      ["P-521", "ES512", "SHA-512"],
    ] as const) {
      t.test(`${alg}: a Web Crypto signature verifies over the digest and over the data; a changed one does not`, async () => {
        const { publicJwk, privateKey } = await ecPair(crv);
        const data = enc.encode(`message for ${alg}`);
        const sig = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash }, privateKey, data));
        const digest = await digestOf(hash, data);
        assert.equal(await verifyLocally(publicJwk, alg, digest, sig), true);
        assert.equal(await verifyDataLocally(publicJwk, alg, data, sig), true);
        const bad = sig.slice();
        bad[bad.length - 1]! ^= 1;
        assert.equal(await verifyLocally(publicJwk, alg, digest, bad), false);
        const otherDigest = digest.slice();
        otherDigest[0]! ^= 0x80;
        assert.equal(await verifyLocally(publicJwk, alg, otherDigest, sig), false);
        assert.equal(await verifyLocally(publicJwk, alg, digest, sig.subarray(1)), false, "a short signature is just invalid");
        assert.equal(await verifyLocally(publicJwk, alg, digest, new Uint8Array(sig.length)), false, "r = s = 0 is invalid");
      });
    }

    t.test("ES256 over a digest agrees with Web Crypto on random messages and random tampering", async () => {
      const { publicJwk, privateKey } = await ecPair("P-256");
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 64 }), fc.nat(63), fc.integer({ min: 1, max: 255 }), async (data, at, flip) => {
          const sig = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, privateKey, data as BufferSource));
          const digest = await digestOf("SHA-256", data);
          if (!(await verifyLocally(publicJwk, "ES256", digest, sig))) return false;
          const bad = sig.slice();
          bad[at]! ^= flip;
          return (await verifyLocally(publicJwk, "ES256", digest, bad)) === false;
        }),
        { numRuns: 12 },
      );
    });

    for (const [name, algs] of [
      ["RSASSA-PKCS1-v1_5", ["RS256", "RS384", "RS512"]],
      ["RSA-PSS", ["PS256", "PS384", "PS512"]],
    ] as const) {
      t.test(
        `${algs.join("/")}: Web Crypto signatures verify locally over digest and data`,
        async () => {
          for (const alg of algs) {
            const hash = `SHA-${alg.slice(2)}`;
            const { publicJwk, privateKey } = await rsaPair(name, hash);
            const data = enc.encode(`data ${alg}`);
            // PSS: the salt length is read from the signature; Key Vault uses the hash length, others zero.
            for (const saltLength of name === "RSA-PSS" ? [Number(alg.slice(2)) / 8, 0] : [0]) {
              const sig = new Uint8Array(await crypto.subtle.sign({ name, saltLength }, privateKey, data));
              const digest = await digestOf(hash, data);
              assert.equal(await verifyLocally(publicJwk, alg, digest, sig), true, `${alg} salt ${saltLength}`);
              assert.equal(await verifyDataLocally(publicJwk, alg, data, sig), true);
              const bad = sig.slice();
              bad[10]! ^= 4;
              assert.equal(await verifyLocally(publicJwk, alg, digest, bad), false);
            }
          }
        },
        { timeoutMs: 30_000 },
      );
    }

    t.test("RSA-OAEP and RSA-OAEP-256 encrypt locally to what the private key decrypts; too long is refused", async () => {
      for (const [alg, hash] of [
        ["RSA-OAEP", "SHA-1"],
        ["RSA-OAEP-256", "SHA-256"],
      ] as const) {
        const { publicJwk, privateKey } = await rsaPair("RSA-OAEP", hash);
        const ct = await encryptLocally(publicJwk, alg, enc.encode("a data key"));
        assert.equal(
          new TextDecoder().decode(await crypto.subtle.decrypt({ name: "RSA-OAEP" }, privateKey, ct as BufferSource)),
          "a data key",
        );
        const max = 256 - 2 * (hash === "SHA-1" ? 20 : 32) - 2;
        await encryptLocally(publicJwk, alg, new Uint8Array(max));
        await assert.rejects(() => encryptLocally(publicJwk, alg, new Uint8Array(max + 1)), {
          code: "ERR_INVALID_INPUT",
          message: new RegExp(`at most ${max} bytes`),
        });
      }
    });

    t.test("ES256K and RSA1_5 are not local", async () => {
      const { publicJwk } = await rsaPair("RSA-OAEP", "SHA-256");
      await assert.rejects(() => encryptLocally(publicJwk, "RSA1_5", new Uint8Array(4)), { code: "ERR_UNSUPPORTED" });
      await assert.rejects(
        () => verifyLocally({ kty: "EC", crv: "P-256K", x: "AA", y: "AA" }, "ES256K", new Uint8Array(32), new Uint8Array(64)),
        { code: "ERR_UNSUPPORTED" },
      );
    });

    t.test("public JWKs import unchanged into crypto.subtle.importKey and jose.importJWK (the raw REST JWK would not)", async () => {
      const rsa = await rsaPair("RSA-OAEP", "SHA-256");
      const ec = await ecPair("P-384");
      const { vault } = keyVault(lib, { [VERSION_A]: { jwk: rsa.publicJwk, kty: "RSA-HSM" } });
      const client = new KeyClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch: vault.fetch });
      const rsaKey = await client.getKey("k", VERSION_A);
      assert.equal(rsaKey.keyType, "RSA-HSM");
      assert.deepEqual(Object.keys(rsaKey.key).sort(), ["e", "kid", "kty", "n"]);
      assert.equal(rsaKey.key.kty, "RSA");
      await crypto.subtle.importKey("jwk", rsaKey.key, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, true, ["verify"]);
      await crypto.subtle.importKey("jwk", rsaKey.key, { name: "RSA-OAEP", hash: "SHA-256" }, true, ["encrypt"]);
      for (const alg of ["RS256", "PS384", "RSA-OAEP-256"]) await jose.importJWK(rsaKey.key, alg);
      // Why key_ops is left out: jose uses it as the usages, and RSA verify keys cannot "encrypt".
      await assert.rejects(() => jose.importJWK({ ...rsaKey.key, key_ops: rsaKey.keyOperations }, "RS256"));

      const ecVault = keyVault(lib, { [VERSION_B]: { jwk: ec.publicJwk, kty: "EC-HSM", keyOps: ["sign", "verify"] } });
      const ecClient = new KeyClient(ecVault.vault.vaultUrl, { getToken: countingProvider().getToken, fetch: ecVault.vault.fetch });
      const ecKey = await ecClient.getKey("k");
      assert.deepEqual([ecKey.key.kty, ecKey.key.crv, ecKey.properties.version], ["EC", "P-384", VERSION_B]);
      await crypto.subtle.importKey("jwk", ecKey.key, { name: "ECDSA", namedCurve: "P-384" }, true, ["verify"]);
      await jose.importJWK(ecKey.key, "ES384");
    });
  });

  t.group("keys handle", () => {
    t.test("a versioned handle fetches its key once, then verifies and encrypts locally", async () => {
      const ec = await ecPair("P-256");
      const { vault, authorized } = keyVault(lib, { [VERSION_A]: { jwk: ec.publicJwk } });
      const client = new KeyClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch: vault.fetch });
      const handle = client.key(`${vault.vaultUrl}/keys/k/${VERSION_A}`);
      assert.equal(handle.id, `${vault.vaultUrl}/keys/k/${VERSION_A}`);
      for (let i = 0; i < 3; i++) {
        const data = enc.encode(`m${i}`);
        const sig = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, ec.privateKey, data));
        const r = await handle.verifyData("ES256", data, sig);
        assert.deepEqual([r.result, r.local, r.kid], [true, true, handle.id]);
        assert.equal((await handle.verify("ES256", await digestOf("SHA-256", data), sig)).local, true);
      }
      assert.equal(authorized().length, 1, "one GET for six verifications");
      // Another handle on the same client and version shares the cache.
      await client.key("k", VERSION_A).verify("ES256", new Uint8Array(32), new Uint8Array(64));
      assert.equal(authorized().length, 1);
      // Forced remote: the service answers.
      const remote = await handle.verify("ES256", new Uint8Array(32), new Uint8Array(64), { remote: true });
      assert.deepEqual([remote.result, remote.local], [true, false]);
      assert.equal(authorized().at(-1)!.path.split("?")[0], `/keys/k/${VERSION_A}/verify`);
      const always = client.key("k", VERSION_A, { remote: true });
      assert.equal((await always.verify("ES256", new Uint8Array(32), new Uint8Array(64))).local, false);
    });

    t.test("a handle without a version follows rotations unless told to keep its version", async () => {
      const a = await rsaPair("RSA-OAEP", "SHA-256", 0);
      const b = await rsaPair("RSA-OAEP", "SHA-256", 1);
      const versions: Record<string, { jwk: JsonWebKey }> = { [VERSION_A]: { jwk: a.publicJwk } };
      const { vault, authorized } = keyVault(lib, versions);
      const client = new KeyClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch: vault.fetch });
      const follow = client.key("k");
      const pinned = client.key("k", undefined, { latestMaxAgeMs: Infinity });
      const first = await follow.encrypt("RSA-OAEP-256", enc.encode("x"));
      assert.deepEqual([first.local, first.kid], [true, `${vault.vaultUrl}/keys/k/${VERSION_A}`]);
      assert.equal((await pinned.wrapKey("RSA-OAEP-256", enc.encode("x"))).kid, first.kid);
      versions[VERSION_B] = { jwk: b.publicJwk }; // rotation
      const after = await follow.encrypt("RSA-OAEP-256", enc.encode("x"));
      assert.equal(after.kid, `${vault.vaultUrl}/keys/k/${VERSION_B}`, "the rotation is seen at once");
      assert.equal(
        new TextDecoder().decode(await crypto.subtle.decrypt({ name: "RSA-OAEP" }, b.privateKey, after.result as BufferSource)),
        "x",
      );
      const gets = authorized().length;
      assert.equal((await pinned.wrapKey("RSA-OAEP-256", enc.encode("x"))).kid, first.kid, "opted in: stays on its version");
      assert.equal(authorized().length, gets, "and asks nothing");
      pinned.refresh();
      assert.equal((await pinned.wrapKey("RSA-OAEP-256", enc.encode("x"))).kid, after.kid, "refresh() picks up the new version");
    });

    t.test("local operations respect enabled, key_ops, nbf and exp as the service does", async () => {
      const rsa = await rsaPair("RSA-OAEP", "SHA-256");
      const past = Math.floor(Date.now() / 1000) - 60,
        future = past + 3600;
      const { vault, authorized } = keyVault(lib, {
        [VERSION_A]: { jwk: rsa.publicJwk, attributes: { enabled: false } },
        [VERSION_B]: { jwk: rsa.publicJwk, keyOps: ["encrypt", "decrypt"] },
        aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: { jwk: rsa.publicJwk, attributes: { exp: past } },
        bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb: { jwk: rsa.publicJwk, attributes: { nbf: future } },
      });
      const client = new KeyClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch: vault.fetch });
      const digest = new Uint8Array(32),
        sig = new Uint8Array(256),
        pt = enc.encode("x");
      await assert.rejects(() => client.key("k", VERSION_A).verify("RS256", digest, sig), {
        code: "ERR_KEY_NOT_USABLE",
        message: /is disabled/,
      });
      await assert.rejects(() => client.key("k", VERSION_A).encrypt("RSA-OAEP", pt), { code: "ERR_KEY_NOT_USABLE" });
      await assert.rejects(() => client.key("k", VERSION_B).verify("RS256", digest, sig), {
        code: "ERR_KEY_NOT_USABLE",
        message: /does not allow verify \(key_ops: encrypt, decrypt\)/,
      });
      await assert.rejects(() => client.key("k", VERSION_B).wrapKey("RSA-OAEP", pt), {
        code: "ERR_KEY_NOT_USABLE",
        message: /does not allow wrapKey/,
      });
      assert.equal((await client.key("k", VERSION_B).encrypt("RSA-OAEP", pt)).local, true);
      const expired = client.key("k", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
      await assert.rejects(() => expired.encrypt("RSA-OAEP-256", pt), { code: "ERR_KEY_NOT_USABLE", message: /expired at/ });
      assert.equal((await expired.verify("RS256", digest, sig)).result, false, "an expired key still verifies (locally)");
      await assert.rejects(() => client.key("k", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb").wrapKey("RSA-OAEP-256", pt), {
        message: /not valid before/,
      });
      const before = authorized().length;
      // Forced remote: the decision is the service's.
      assert.equal((await client.key("k", VERSION_A).verify("RS256", digest, sig, { remote: true })).result, true);
      assert.equal(authorized().length, before + 1);
    });

    t.test("ES256K and RSA1_5 go to the service without fetching the key", async () => {
      const { vault, authorized } = keyVault(lib, {});
      const client = new KeyClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch: vault.fetch });
      const h = client.key("k", VERSION_A);
      assert.equal((await h.verify("ES256K", new Uint8Array(32), new Uint8Array(64))).local, false);
      assert.equal((await h.encrypt("RSA1_5", new Uint8Array(8))).local, false);
      assert.deepEqual(
        authorized().map((r) => `${r.method} ${r.path.split("?")[0]}`),
        [`POST /keys/k/${VERSION_A}/verify`, `POST /keys/k/${VERSION_A}/encrypt`],
      );
    });

    t.test("new KeyHandle works on a plain KeyVaultClient; parseKeyId splits identifiers", async () => {
      const client = new KeyVaultClient("https://unit2.vault.azure.net", { getToken: () => "t" });
      const h = new KeyHandle(client, `k/${VERSION_A}`);
      assert.deepEqual([h.name, h.version, h.id], ["k", VERSION_A, `https://unit2.vault.azure.net/keys/k/${VERSION_A}`]);
      assert.deepEqual(parseKeyId(`https://v.vault.azure.net:443/deletedkeys/k`), {
        vaultUrl: "https://v.vault.azure.net",
        collection: "deletedkeys",
        name: "k",
        version: "",
      });
    });
  });

  t.group("keys spec examples", () => {
    // The REST spec's examples, answered by a scripted vault: the model must read each one.
    function answering(body: unknown) {
      const vault = mockVault({
        handler: () =>
          Response.json(JSON.parse(JSON.stringify(body).replaceAll("https://myvault.vault.azure.net", `https://${vault.host}`))),
      });
      return { vault, client: new KeyClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch: vault.fetch }) };
    }
    const example = (name: string) =>
      (lib.fixtures.specExamples[name] as { responses: Record<string, { body: unknown }> }).responses["200"]!.body as any;

    t.test("GetKeyAttestation: attestation blobs as bytes, tags, times", async () => {
      const body = structuredClone(example("GetKeyAttestation-example"));
      // The example's blobs are cut short; two end in a lone base64 character, which no encoder makes.
      const att = body.attributes.attestation;
      for (const k of Object.keys(att)) if (typeof att[k] === "string" && att[k].length % 4 === 1) att[k] = att[k].slice(0, -1);
      const { client, vault } = answering(body);
      const key = await client.getKeyAttestation("KeyAttestationTest", "78deebed173b48e48f55abf87ed4cf71");
      assert.equal(
        vault.requests.at(-1)!.path,
        "/keys/KeyAttestationTest/78deebed173b48e48f55abf87ed4cf71/attestation?api-version=2025-07-01",
      );
      const a = key.properties.attestation!;
      assert.deepEqual(a.publicKeyAttestation, lib.core.base64UrlDecode(body.attributes.attestation.publicKeyAttestation));
      assert.match(new TextDecoder().decode(a.certificatePemFile!), /^-----BEGIN CERTIFICATE-----/);
      assert.deepEqual(key.properties.tags, body.tags);
      assert.equal(key.properties.createdOn!.getTime(), body.attributes.created * 1000);
      assert.equal(key.properties.recoveryLevel, "Recoverable+Purgeable");
    });

    t.test("GetDeletedKey and DeleteKey: recovery id and dates", async () => {
      for (const name of ["GetDeletedKey-example", "DeleteKey-example"]) {
        const body = example(name);
        const { client } = answering(body);
        const d = name.startsWith("Get") ? await client.getDeletedKey("CreateSoftKeyTest") : await client.deleteKey("CreateSoftKeyTest");
        assert.equal(d.deletedOn!.getTime(), body.deletedDate * 1000);
        assert.equal(d.scheduledPurgeDate!.getTime(), body.scheduledPurgeDate * 1000);
        assert.match(d.recoveryId!, /\/deletedkeys\/CreateSoftKeyTest$/);
      }
    });

    t.test("wrapKey: an answer in standard base64 still decodes", async () => {
      const body = example("wrapKey-example");
      assert.match(body.value, /[+/]/);
      const { client } = answering(body);
      const w = await client.wrapKey("k", "RSA-OAEP", new Uint8Array(32));
      assert.ok(w.result.length > 0);
      assert.equal(w.kid, body.kid.replace("https://myvault.vault.azure.net", w.kid.slice(0, w.kid.indexOf("/keys/"))));
    });

    t.test("GetKeys and GetDeletedKeys: list items without key material", async () => {
      const keys = example("GetKeys-example");
      const { client } = answering({ ...keys, nextLink: null });
      const items = [];
      for await (const p of client.listKeys()) items.push(p);
      assert.equal(items.length, keys.value.length);
      assert.ok(items.every((p) => p.name && p.version === "" && p.createdOn instanceof Date));
      const deleted = example("GetDeletedKeys-example");
      const d = answering({ ...deleted, nextLink: null });
      for await (const p of d.client.listDeletedKeys()) assert.ok(p.recoveryId && p.scheduledPurgeDate instanceof Date);
    });
  });

  t.group("keys behind a proxy", () => {
    t.test("a vault URL with a path prefix: handles and functions address {prefix}/keys/...", async () => {
      const ec = await ecPair("P-256");
      const seen: string[] = [];
      const vault = mockVault({
        handler: (req) => {
          const path = new URL(req.url).pathname;
          seen.push(`${req.method} ${path}`);
          if (req.method === "GET") {
            return Response.json({
              key: {
                kid: `https://real.vault.azure.net/keys/k/${VERSION_A}`,
                kty: "EC",
                key_ops: ["sign", "verify"],
                crv: "P-256",
                x: ec.publicJwk.x,
                y: ec.publicJwk.y,
              },
              attributes: { enabled: true },
            });
          }
          if (path.endsWith("/verify")) return Response.json({ value: false });
          return Response.json({ kid: `https://real.vault.azure.net/keys/k/${VERSION_A}`, value: "AAAA" });
        },
      });
      const client = new KeyClient(`${vault.vaultUrl}/kv`, { getToken: countingProvider().getToken, fetch: vault.fetch });
      const h = client.key("k");
      await h.sign("ES256", new Uint8Array(32));
      assert.equal((await h.verify("ES256", new Uint8Array(32), new Uint8Array(64))).local, true);
      await h.verify("ES256K", new Uint8Array(32), new Uint8Array(64));
      // ES256K is not local: the version-less handle asks the service (newest version) without a GET.
      assert.deepEqual(seen, ["POST /kv/keys/k/sign", "GET /kv/keys/k/", "POST /kv/keys/k/verify"]);
      await client.key("k", VERSION_A).verify("ES256K", new Uint8Array(32), new Uint8Array(64));
      assert.equal(seen.at(-1), `POST /kv/keys/k/${VERSION_A}/verify`);
    });
  });

  t.group("keys paging", () => {
    // 7 keys, 3 per page: pages of 3, 3, 1, and an empty page in between as the service sometimes sends.
    function pagedVault(nextHost?: string) {
      const vault = mockVault({
        handler: (req) => {
          const url = new URL(req.url);
          const token = Number(url.searchParams.get("$skiptoken") ?? 0);
          const size = Number(url.searchParams.get("maxresults") ?? 3);
          const pages = [[0, 1, 2], [], [3, 4, 5], [6]];
          const page = pages[token]!;
          const nextLink =
            token + 1 < pages.length
              ? `https://${nextHost ?? vault.host}:443/keys?api-version=7.2&$skiptoken=${token + 1}&maxresults=${size}`
              : null;
          return Response.json({
            value: page.map((i) => ({
              kid: `https://${vault.host}/keys/key${i}`,
              attributes: { enabled: true, created: 1_700_000_000 + i },
            })),
            nextLink,
          });
        },
      });
      return vault;
    }

    t.test("items are fetched lazily: stopping early sends no more requests", async () => {
      const vault = pagedVault();
      const client = new KeyVaultClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch: vault.fetch });
      const list = listKeys(client, { maxPageSize: 3 });
      assert.equal(vault.requests.length, 0, "nothing before iteration");
      const seen: string[] = [];
      for await (const k of list) {
        seen.push(k.name);
        if (seen.length === 2) break;
      }
      assert.deepEqual(seen, ["key0", "key1"]);
      assert.deepEqual(
        vault.requests.filter((r) => r.authorization).map((r) => r.path),
        ["/keys?api-version=2025-07-01&maxresults=3"],
      );
      const all: string[] = [];
      for await (const k of list) all.push(k.name);
      assert.deepEqual(all, ["key0", "key1", "key2", "key3", "key4", "key5", "key6"]);
      assert.ok(
        vault.requests.some((r) => r.path === "/keys?api-version=7.2&$skiptoken=1&maxresults=3"),
        "nextLink is used as given",
      );
    });

    t.test("byPage walks pages (empty ones too) and resumes from a continuationToken", async () => {
      const vault = pagedVault();
      const client = new KeyClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch: vault.fetch });
      const sizes: number[] = [];
      let resume: string | undefined;
      for await (const page of client.listKeys().byPage({ maxPageSize: 3 })) {
        sizes.push(page.length);
        if (sizes.length === 2) resume = page.continuationToken;
      }
      assert.deepEqual(sizes, [3, 0, 3, 1]);
      const rest: string[] = [];
      for await (const page of client.listKeys().byPage({ continuationToken: resume! })) rest.push(...page.map((p) => p.name));
      assert.deepEqual(rest, ["key3", "key4", "key5", "key6"]);
    });

    t.test("a nextLink on another origin is refused, and the token is not sent there", async () => {
      const vault = pagedVault("evil.example");
      const client = new KeyClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch: vault.fetch });
      const seen: string[] = [];
      await assert.rejects(
        async () => {
          for await (const k of client.listKeys()) seen.push(k.name);
        },
        { code: "ERR_FOREIGN_ORIGIN" },
      );
      assert.deepEqual(seen, ["key0", "key1", "key2"]);
      assert.ok(vault.requests.every((r) => new URL(r.url).host === vault.host));
    });
  });
}
