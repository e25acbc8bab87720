// Every key operation against the in-process emulator (vault and Managed HSM), each algorithm,
// paging across pages, and the emulator's request log proving local operations send nothing.
import * as jose from "jose";
import type { Lib, Registrar } from "./harness.js";
import type { KeyClient } from "../../src/keys/index.js";
import * as assert from "./assert.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

export function keysEmulator(t: Registrar, lib: Lib): void {
  const { KeyClient } = lib.keys;

  function setup(options: { managedHsm?: boolean } = {}) {
    const emu = lib.emulator.createEmulator(options);
    const client: KeyClient = new KeyClient(emu.vaultUrl, { getToken: emu.getToken, fetch: emu.fetch });
    /** Requests the vault has served so far (token requests aside). */
    const vaultCalls = () => emu.requests.filter((r) => r.target === "vault").length;
    return { emu, client, vaultCalls };
  }

  t.group("keys emulator: manage", () => {
    t.test("create, get (newest and by version), update, rotate, list versions", async () => {
      const { client } = setup();
      const expiresOn = new Date(Math.floor(Date.now() / 1000 + 86400) * 1000);
      const v1 = await client.createEcKey("app-key", { curve: "P-384", tags: { team: "a" }, expiresOn, keyOps: ["sign", "verify"] });
      assert.deepEqual(
        [v1.keyType, v1.key.kty, v1.key.crv, v1.properties.tags, v1.keyOperations],
        ["EC", "EC", "P-384", { team: "a" }, ["sign", "verify"]],
      );
      assert.equal(v1.properties.expiresOn!.getTime(), expiresOn.getTime(), "times are Dates, to the second");
      assert.ok(v1.properties.createdOn instanceof Date && v1.properties.enabled === true);
      assert.equal(lib.core.base64UrlDecode(v1.key.x!).length, 48);
      const latest = await client.getKey("app-key");
      assert.equal(latest.id, v1.id);
      const v2 = await client.rotateKey("app-key");
      assert.notEqual(v2.properties.version, v1.properties.version);
      assert.equal((await client.getKey("app-key")).id, v2.id);
      assert.equal((await client.getKey("app-key", v1.properties.version)).id, v1.id);
      assert.equal((await client.getKey(v1.id)).id, v1.id, "a full identifier works as well");
      const updated = await client.updateKey(v1.id, { enabled: false, tags: { team: "b" } });
      assert.deepEqual([updated.id, updated.properties.enabled, updated.properties.tags], [v1.id, false, { team: "b" }]);
      assert.equal((await client.getKey("app-key")).properties.enabled, true, "only v1 changed");
      const versions: string[] = [];
      for await (const v of client.listKeyVersions("app-key", { maxPageSize: 1 })) versions.push(v.version);
      assert.deepEqual(versions.sort(), [v1.properties.version, v2.properties.version].sort());
    });

    t.test("EC and HSM key types, oct keys only on Managed HSM", async () => {
      const { client } = setup();
      for (const curve of ["P-256", "P-384", "P-521", "P-256K"] as const) {
        const k = await client.createEcKey(`ec-${curve.replace(/\W/g, "")}`, { curve, hsm: curve === "P-384" });
        assert.deepEqual([k.key.kty, k.key.crv, k.keyType], ["EC", curve, curve === "P-384" ? "EC-HSM" : "EC"]);
      }
      await assert.rejects(() => client.createOctKey("aes"), { name: "KeyVaultError" });
      const hsm = setup({ managedHsm: true });
      const aes = await hsm.client.createOctKey("aes", { keySize: 256 });
      assert.deepEqual([aes.keyType, aes.key.kty, aes.properties.keySize], ["oct-HSM", "oct", 256]);
      assert.equal(aes.key.k, undefined, "no secret material leaves the service");
    });

    t.test("import a Web Crypto key, sign in the vault, verify with Web Crypto", async () => {
      const { client } = setup();
      const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
      const jwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
      const imported = await client.importKey("imported", jwk as JsonWebKey & Record<string, unknown>, {
        keyOps: ["sign", "verify"],
        hsm: false,
      });
      assert.equal(imported.key.x, jwk.x);
      const data = enc.encode("imported key signs");
      const { result } = await client.key("imported").signData("ES256", data);
      assert.equal(await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, pair.publicKey, result as BufferSource, data), true);
    });

    t.test("delete, get deleted, list deleted, recover, delete again and purge", async () => {
      const { client } = setup();
      const k = await client.createEcKey("doomed");
      const deleted = await client.deleteKey("doomed");
      assert.deepEqual([deleted.name, deleted.id], ["doomed", k.id]);
      assert.match(deleted.recoveryId!, /\/deletedkeys\/doomed$/);
      assert.ok(deleted.scheduledPurgeDate! > deleted.deletedOn!);
      await assert.rejects(() => client.getKey("doomed"), { name: "KeyVaultError", status: 404 });
      assert.equal((await client.getDeletedKey("doomed")).id, k.id);
      const listed: string[] = [];
      for await (const d of client.listDeletedKeys()) listed.push(d.name);
      assert.deepEqual(listed, ["doomed"]);
      assert.equal((await client.recoverDeletedKey("doomed")).id, k.id);
      assert.equal((await client.getKey("doomed")).id, k.id);
      await client.deleteKey("doomed");
      await client.purgeDeletedKey("doomed");
      await assert.rejects(() => client.getDeletedKey("doomed"), { status: 404 });
    });

    t.test("backup and restore bring back every version", async () => {
      const { client } = setup();
      const k = await client.createEcKey("kept");
      await client.rotateKey("kept");
      const blob = await client.backupKey("kept");
      assert.ok(blob instanceof Uint8Array && blob.length > 0);
      await client.deleteKey("kept");
      await client.purgeDeletedKey("kept");
      const restored = await client.restoreKey(blob);
      assert.equal(restored.name, "kept");
      assert.equal((await client.getKey("kept", k.properties.version)).id, k.id);
      await assert.rejects(() => client.restoreKey(new Uint8Array([1, 2, 3])), { status: 400 });
    });

    t.test("rotation policy: update and get", async () => {
      const { client } = setup();
      await client.createEcKey("rotating");
      const set = await client.updateRotationPolicy("rotating", {
        lifetimeActions: [
          { action: "Rotate", timeAfterCreate: "P90D" },
          { action: "Notify", timeBeforeExpiry: "P30D" },
        ],
        expiresIn: "P1Y",
      });
      const got = await client.getRotationPolicy("rotating");
      for (const p of [set, got]) {
        assert.equal(p.expiresIn, "P1Y");
        assert.deepEqual(
          p.lifetimeActions.find((a) => a.action === "Rotate"),
          { action: "Rotate", timeAfterCreate: "P90D" },
        );
        assert.ok(p.updatedOn instanceof Date);
      }
      await assert.rejects(() => client.getRotationPolicy("nope"), { status: 404 });
    });

    t.test("key attestation and random bytes (Managed HSM)", async () => {
      const { client } = setup({ managedHsm: true });
      const k = await client.createEcKey("attested", { hsm: true });
      for (const a of [await client.getKeyAttestation("attested", k.properties.version), await client.getKeyAttestation("attested")]) {
        assert.equal(a.id, k.id);
        assert.ok(a.properties.attestation?.publicKeyAttestation instanceof Uint8Array);
      }
      const random = await client.getRandomBytes(128);
      assert.equal(random.length, 128);
      assert.ok(random.some((b) => b !== 0));
    });

    t.test("secure key release to a trusted attestation authority", async () => {
      const { emu, client } = setup();
      // An attestation authority of our own: its token says which environment asks.
      const authority = (await crypto.subtle.generateKey(
        { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
        true,
        ["sign", "verify"],
      )) as CryptoKeyPair;
      const issuer = "https://attest.example";
      emu.trustAttestationAuthority(issuer, [await crypto.subtle.exportKey("jwk", authority.publicKey)]);
      const policy = { version: "1.0.0", anyOf: [{ authority: issuer, allOf: [{ claim: "x-ms-attestation-type", equals: "sevsnpvm" }] }] };
      const k = await client.createRsaKey("exportable", { hsm: true, exportable: true, releasePolicy: { data: policy } });
      assert.deepEqual(
        JSON.parse(dec.decode(k.properties.releasePolicy!.data!)),
        policy,
        "the policy reads back as bytes of the JSON we gave",
      );
      // The environment's own key (here the authority's public key, to save a key generation) receives the released key.
      const { kty, n, e } = await crypto.subtle.exportKey("jwk", authority.publicKey);
      const target = await new jose.SignJWT({ "x-ms-attestation-type": "sevsnpvm", "x-ms-runtime": { keys: [{ kty, n, e, kid: "wrap" }] } })
        .setProtectedHeader({ alg: "RS256" })
        .setIssuer(issuer)
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(authority.privateKey);
      const released = await client.releaseKey(k.id, target, { nonce: "n-1" });
      assert.equal(released.value.split(".").length, 3);
      await assert.rejects(() => client.releaseKey("exportable", "not-a-jwt"), { status: 400 });
    });
  });

  t.group("keys emulator: sign and verify", () => {
    const cases = [
      { curve: "P-256", alg: "ES256", hash: "SHA-256" },
      { curve: "P-384", alg: "ES384", hash: "SHA-384" },
      { curve: "P-521", alg: "ES512", hash: "SHA-512" },
      { curve: "P-256K", alg: "ES256K", hash: "SHA-256" },
    ] as const;
    for (const { curve, alg, hash } of cases) {
      t.test(`${alg}: sign in the vault; verify locally without a request (${curve})`, async () => {
        const { client, vaultCalls } = setup();
        const key = await client.createEcKey("signer", { curve });
        const signer = client.key("signer");
        const data = enc.encode(`payload for ${alg}`);
        const signed = await signer.signData(alg, data);
        assert.equal(signed.kid, key.id, "the version-less handle reports the version that signed");
        const verifier = client.key(signed.kid);
        await verifier.getPublicKey();
        const before = vaultCalls();
        const digest = new Uint8Array(await crypto.subtle.digest(hash, data));
        const r1 = await verifier.verify(alg, digest, signed.result);
        const r2 = await verifier.verifyData(alg, data, signed.result);
        const bad = signed.result.slice();
        bad[0]! ^= 1;
        const r3 = await verifier.verifyData(alg, data, bad);
        if (alg === "ES256K") {
          assert.deepEqual([r1.result, r1.local, r2.result, r3.result], [true, false, true, false], "ES256K: the service answers");
          assert.equal(vaultCalls(), before + 3);
        } else {
          assert.deepEqual([r1.result, r1.local, r2.result, r2.local, r3.result], [true, true, true, true, false]);
          assert.equal(vaultCalls(), before, "local verification sent nothing");
          // The standard JWK verifies the raw r||s signature with Web Crypto directly.
          const pub = await crypto.subtle.importKey("jwk", key.key, { name: "ECDSA", namedCurve: curve }, false, ["verify"]);
          assert.equal(await crypto.subtle.verify({ name: "ECDSA", hash }, pub, signed.result as BufferSource, data), true);
        }
        // The service agrees with the local answers.
        assert.equal((await verifier.verify(alg, digest, signed.result, { remote: true })).result, true);
        assert.equal((await verifier.verify(alg, digest, bad, { remote: true })).result, false);
      });
    }

    t.test(
      "RS256/384/512 and PS256/384/512: sign in the vault, verify locally, agree with the service and Web Crypto",
      async () => {
        const { client, vaultCalls } = setup();
        const key = await client.createRsaKey("rsa-signer");
        const handle = client.key(key.id);
        await handle.getPublicKey();
        for (const alg of ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"] as const) {
          const data = enc.encode(`payload ${alg}`);
          const signed = await handle.signData(alg, data);
          assert.equal(signed.kid, key.id);
          const before = vaultCalls();
          const local = await handle.verifyData(alg, data, signed.result);
          const localDigest = await handle.verify(alg, await lib.keys.digestFor(alg, data), signed.result);
          const tampered = await handle.verifyData(alg, enc.encode("other"), signed.result);
          assert.deepEqual([local.result, local.local, localDigest.result, tampered.result], [true, true, true, false], alg);
          assert.equal(vaultCalls(), before, `${alg}: local verification sent nothing`);
          assert.equal((await handle.verifyData(alg, data, signed.result, { remote: true })).result, true);
          const hash = `SHA-${alg.slice(2)}`;
          const pss = alg.startsWith("PS");
          const pub = await crypto.subtle.importKey("jwk", key.key, { name: pss ? "RSA-PSS" : "RSASSA-PKCS1-v1_5", hash }, false, [
            "verify",
          ]);
          assert.equal(
            await crypto.subtle.verify(
              { name: pss ? "RSA-PSS" : "RSASSA-PKCS1-v1_5", saltLength: Number(alg.slice(2)) / 8 },
              pub,
              signed.result as BufferSource,
              data,
            ),
            true,
            `${alg} with Web Crypto`,
          );
        }
      },
      { timeoutMs: 30_000 },
    );

    t.test("the standalone functions sign and verify by name, identifier or name/version", async () => {
      const { client } = setup();
      const key = await client.createEcKey("plain");
      const digest = new Uint8Array(32).fill(7);
      const s = await lib.keys.sign(client, "plain", "ES256", digest);
      assert.equal(s.kid, key.id);
      for (const ref of [key.id, `plain/${key.properties.version}`, "plain"]) {
        const v = await lib.keys.verify(client, ref, "ES256", digest, s.result);
        assert.deepEqual([v.result, v.local], [true, false], ref);
      }
      assert.equal((await lib.keys.verify(client, key.id, "ES256", digest, s.result)).kid, key.id);
    });

    t.test("after a rotation, old signatures verify with the stored kid; new ones name the new version", async () => {
      const { client, vaultCalls } = setup();
      await client.createEcKey("rotor");
      const signer = client.key("rotor");
      const data = enc.encode("before");
      const old = await signer.signData("ES256", data);
      const next = await client.rotateKey("rotor");
      const fresh = await signer.signData("ES256", data);
      assert.equal(fresh.kid, next.id);
      assert.notEqual(fresh.kid, old.kid);
      assert.equal((await client.key(old.kid).verifyData("ES256", data, old.result)).result, true);
      assert.equal((await client.key(fresh.kid).verifyData("ES256", data, fresh.result)).result, true);
      // The version-less handle follows the rotation: the old signature does not verify against the new key.
      const calls = vaultCalls();
      assert.equal((await signer.verifyData("ES256", data, old.result)).result, false);
      assert.equal(vaultCalls(), calls + 1, "one GET for the newest version, then local");
    });

    t.test("a disabled key: local use is refused like the service refuses it", async () => {
      const { client } = setup();
      const key = await client.createEcKey("off");
      const h = client.key(key.id);
      const s = await h.signData("ES256", enc.encode("x"));
      await client.updateKey(key.id, { enabled: false });
      h.refresh();
      await assert.rejects(() => h.verifyData("ES256", enc.encode("x"), s.result), { code: "ERR_KEY_NOT_USABLE", message: /disabled/ });
      await assert.rejects(() => h.verifyData("ES256", enc.encode("x"), s.result, { remote: true }), {
        name: "KeyVaultError",
        status: 403,
      });
      await assert.rejects(() => h.signData("ES256", enc.encode("x")), { name: "KeyVaultError", status: 403 });
    });

    t.test("an algorithm that does not fit the key is refused before the request", async () => {
      const { client, vaultCalls } = setup();
      await client.createEcKey("p256", { curve: "P-256" });
      const h = client.key("p256");
      await h.getPublicKey();
      const n = vaultCalls();
      await assert.rejects(() => h.verify("ES384", new Uint8Array(48), new Uint8Array(96)), {
        code: "ERR_INVALID_INPUT",
        message: /ES384 needs a 48-byte digest and a P-384 key; this is a P-256 key/,
      });
      assert.equal(vaultCalls(), n + 1, "the version-less handle looked up the newest version, and sent nothing else");
      // Without local knowledge, the service says no.
      await assert.rejects(() => lib.keys.sign(client, "p256", "ES384", new Uint8Array(48)), { name: "KeyVaultError", status: 400 });
    });
  });

  t.group("keys emulator: encrypt and wrap", () => {
    t.test("RSA-OAEP and RSA-OAEP-256 encrypt and wrap locally, the vault decrypts and unwraps; RSA1_5 is remote", async () => {
      const { client, vaultCalls } = setup();
      const key = await client.createRsaKey("kek");
      const handle = client.key("kek", key.properties.version);
      await handle.getPublicKey();
      const secret = enc.encode("a 32-byte data encryption key!!!");
      for (const alg of ["RSA-OAEP", "RSA-OAEP-256"] as const) {
        const before = vaultCalls();
        const e = await handle.encrypt(alg, secret);
        const w = await handle.wrapKey(alg, secret);
        assert.deepEqual([e.local, w.local, e.kid, w.kid], [true, true, key.id, key.id]);
        assert.equal(vaultCalls(), before, `${alg}: nothing sent`);
        assert.deepEqual((await handle.decrypt(alg, e.result)).result, secret);
        const u = await handle.unwrapKey(alg, w.result);
        assert.deepEqual([u.result, u.kid], [secret, key.id]);
        // And the other way round: the vault encrypts, the result decrypts the same.
        const remote = await handle.encrypt(alg, secret, { remote: true });
        assert.equal(remote.local, false);
        assert.deepEqual((await handle.decrypt(alg, remote.result)).result, secret);
      }
      const before = vaultCalls();
      const r = await handle.encrypt("RSA1_5", secret);
      assert.equal(r.local, false);
      assert.equal(vaultCalls(), before + 1);
      assert.deepEqual((await handle.decrypt("RSA1_5", r.result)).result, secret);
      const rw = await handle.wrapKey("RSA1_5", secret);
      assert.deepEqual((await handle.unwrapKey("RSA1_5", rw.result)).result, secret);
    });

    t.test("Managed HSM AES: GCM (iv, tag, aad), CBC, CBCPAD and key wrap, for 128/192/256-bit keys", async () => {
      const { client } = setup({ managedHsm: true });
      for (const bits of [128, 192, 256] as const) {
        const key = await client.createOctKey(`aes${bits}`, { keySize: bits });
        const h = client.key(key.id);
        const text = enc.encode("Managed HSM keeps the AES key inside");
        const aad = enc.encode("header");
        const g = await h.encrypt(`A${bits}GCM`, text, { aad });
        assert.deepEqual([g.local, g.kid, g.iv?.length, g.tag?.length], [false, key.id, 12, 16]);
        assert.deepEqual((await h.decrypt(`A${bits}GCM`, g.result, { iv: g.iv!, tag: g.tag!, aad })).result, text);
        await assert.rejects(() => h.decrypt(`A${bits}GCM`, g.result, { iv: g.iv!, tag: g.tag!, aad: enc.encode("other") }), {
          name: "KeyVaultError",
        });
        const p = await h.encrypt(`A${bits}CBCPAD`, text);
        assert.equal(p.iv?.length, 16, "a random iv was made and is returned");
        assert.deepEqual((await h.decrypt(`A${bits}CBCPAD`, p.result, { iv: p.iv! })).result, text);
        const block = text.subarray(0, 32);
        const iv = crypto.getRandomValues(new Uint8Array(16));
        const c = await h.encrypt(`A${bits}CBC`, block, { iv });
        assert.deepEqual(c.iv, iv);
        assert.deepEqual((await h.decrypt(`A${bits}CBC`, c.result, { iv })).result, block);
        const dek = crypto.getRandomValues(new Uint8Array(32));
        const w = await h.wrapKey(`A${bits}KW`, dek);
        assert.equal(w.local, false);
        assert.deepEqual((await h.unwrapKey(`A${bits}KW`, w.result)).result, dek);
        for (const alg of ["CKM_AES_KEY_WRAP", "CKM_AES_KEY_WRAP_PAD"] as const) {
          const odd = alg.endsWith("PAD") ? dek.subarray(0, 21) : dek; // the padded variant takes any length
          const cw = await h.wrapKey(alg, odd);
          assert.deepEqual((await h.unwrapKey(alg, cw.result)).result, odd, `${alg} ${bits}`);
        }
      }
      const h = client.key("aes256", undefined, { latestMaxAgeMs: 60_000 });
      await h.getPublicKey();
      await assert.rejects(() => h.decrypt("A128GCM", new Uint8Array(16), { iv: new Uint8Array(12), tag: new Uint8Array(16) }), {
        code: "ERR_INVALID_INPUT",
        message: /A128GCM needs a 128-bit AES key; this key has 256 bits/,
      });
    });

    t.test("Managed HSM also holds RSA-HSM and EC-HSM keys with local public-key work", async () => {
      const { client, vaultCalls } = setup({ managedHsm: true });
      const ec = await client.createEcKey("ec", { curve: "P-384", hsm: true });
      const s = await client.key("ec").signData("ES384", enc.encode("m"));
      const v = client.key(s.kid);
      await v.getPublicKey();
      const n = vaultCalls();
      assert.equal((await v.verifyData("ES384", enc.encode("m"), s.result)).result, true);
      assert.equal(vaultCalls(), n);
      assert.equal(ec.keyType, "EC-HSM");
    });
  });

  t.group("keys emulator: list", () => {
    t.test("listKeys walks several pages lazily; byPage shows the pages", async () => {
      const { client, emu } = setup();
      const names = Array.from({ length: 7 }, (_, i) => `key-${i}`);
      for (const n of names) await client.createEcKey(n);
      const listCalls = () => emu.requests.filter((r) => r.target === "vault" && /\/keys\?/.test(r.url)).length;
      const seen: string[] = [];
      for await (const p of client.listKeys({ maxPageSize: 2 })) {
        seen.push(p.name);
        if (seen.length === 3) break;
      }
      assert.equal(listCalls(), 2, "stopping after 3 items fetched 2 pages of 2");
      const all: string[] = [];
      for await (const p of client.listKeys({ maxPageSize: 2 })) {
        all.push(p.name);
        assert.equal(p.version, "");
      }
      assert.deepEqual(all.sort(), names);
      const sizes: number[] = [];
      for await (const page of client.listKeys().byPage({ maxPageSize: 3 })) sizes.push(page.length);
      assert.deepEqual(
        sizes.filter((s) => s > 0),
        [3, 3, 1],
      );
    });

    t.test("listKeyVersions and listDeletedKeys across pages", async () => {
      const { client } = setup();
      await client.createEcKey("multi");
      for (let i = 0; i < 4; i++) await client.rotateKey("multi");
      const versions = [];
      for await (const v of client.listKeyVersions("multi", { maxPageSize: 2 })) versions.push(v);
      assert.equal(versions.length, 5);
      assert.ok(versions.every((v) => v.name === "multi" && /^[0-9a-f]{32}$/.test(v.version)));
      for (const n of ["d1", "d2", "d3"]) {
        await client.createEcKey(n);
        await client.deleteKey(n);
      }
      const deleted = [];
      for await (const d of client.listDeletedKeys({ maxPageSize: 1 })) deleted.push(d);
      assert.deepEqual(deleted.map((d) => d.name).sort(), ["d1", "d2", "d3"]);
      assert.ok(deleted.every((d) => d.deletedOn instanceof Date && d.recoveryId));
    });
  });
}
