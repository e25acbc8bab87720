// The real recorded sessions replayed through the typed helpers: each helper must send the
// recorded request (method, path, query, body) and turn the recorded answer into the right result.
import type { Lib, Recording, Registrar } from "./harness.js";
import type { KeyClient } from "../../src/keys/index.js";
import * as assert from "./assert.js";
import { assertReplayed, replayFetch } from "./replay.js";

const TOKEN = "replay-token";

export function keysReplay(t: Registrar, lib: Lib): void {
  const { KeyClient } = lib.keys;
  const { base64UrlDecode, clearChallengeCache } = lib.core;
  const b = base64UrlDecode;

  function setup(name: string, apiVersion?: string) {
    const recording = lib.fixtures.recordings[name] as Recording;
    assert.ok(recording, `recording ${name}`);
    const vaultUrl = new URL(recording.Entries[0]!.RequestUri).origin;
    clearChallengeCache(vaultUrl);
    const replay = replayFetch(recording);
    const client = new KeyClient(vaultUrl, {
      getToken: () => TOKEN,
      fetch: replay.fetch,
      retry: false,
      ...(apiVersion ? { apiVersion } : {}),
    });
    const entry = (i: number) => recording.Entries[i]!;
    /** Checks what was sent: in recorded order, all with the token, bodies as recorded; and nothing left over. */
    const done = (normalize?: (body: any) => unknown) => assertReplayed(replay, TOKEN, normalize ? { normalize } : {});
    return { recording, client, replay, entry, done, vaultUrl };
  }

  const is404 = (e: any) => e?.name === "KeyVaultError" && e.status === 404;
  async function poll<T>(fn: () => Promise<T>): Promise<T> {
    for (let i = 0; ; i++) {
      try {
        return await fn();
      } catch (e) {
        if (!is404(e) || i > 10) throw e;
      }
    }
  }
  async function cleanup(client: KeyClient, name: string) {
    const deleted = await client.deleteKey(name);
    assert.equal(deleted.name, name);
    assert.ok(deleted.deletedOn instanceof Date && deleted.scheduledPurgeDate instanceof Date);
    await poll(() => client.getDeletedKey(name));
    await client.purgeDeletedKey(name);
  }
  const nameOf = (uri: string) => new URL(uri).pathname.split("/")[2]!;

  t.group("keys replay", () => {
    t.test("crud: createKey RSA, then delete, poll the deleted key and purge", async () => {
      const { client, entry, done, vaultUrl } = setup("crud__create-rsa-key");
      const name = nameOf(entry(0).RequestUri);
      const key = await client.createKey(name, "RSA");
      assert.equal(key.keyType, "RSA");
      assert.equal(key.name, name);
      assert.equal(key.properties.vaultUrl, vaultUrl);
      assert.match(key.properties.version, /^[0-9a-f]{32}$/);
      assert.equal(key.properties.keySize, 2048);
      assert.equal(key.properties.createdOn!.getTime(), 1778757437000);
      assert.deepEqual(key.keyOperations, ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"]);
      assert.deepEqual(Object.keys(key.key).sort(), ["e", "kid", "kty", "n"]);
      await cleanup(client, name);
      done();
    });

    t.test("crud: getKey of a missing key is a KeyVaultError 404 KeyNotFound", async () => {
      const { client, entry, done } = setup("crud__get-nonexistent-key-404");
      await assert.rejects(() => client.getKey(nameOf(entry(0).RequestUri)), { name: "KeyVaultError", status: 404, code: "KeyNotFound" });
      done();
    });

    t.test("crud: deleteKey of a missing key is a 404", async () => {
      const { client, entry, done } = setup("crud__delete-nonexistent-key-404");
      await assert.rejects(() => client.deleteKey(nameOf(entry(0).RequestUri)), { status: 404, code: "KeyNotFound" });
      done();
    });

    t.test("crud: getKey of a specific version", async () => {
      const { client, entry, done } = setup("crud__get-specific-version");
      const name = nameOf(entry(0).RequestUri);
      const created = await client.createKey(name, "RSA");
      const got = await client.getKey(name, created.properties.version);
      assert.equal(got.id, created.id);
      assert.deepEqual(got.key, created.key);
      await cleanup(client, name);
      done();
    });

    t.test("crud: updateKey disables one version", async () => {
      const { client, entry, done } = setup("crud__update-properties-specific-version");
      const name = nameOf(entry(0).RequestUri);
      const v1 = await client.createKey(name, "RSA");
      const v2 = await client.createKey(name, "RSA");
      assert.notEqual(v1.properties.version, v2.properties.version);
      const updated = await client.updateKey(name, { version: v1.properties.version, enabled: false });
      assert.equal(updated.id, v1.id);
      assert.equal(updated.properties.enabled, false);
      done();
    });

    for (const [file, crv, alg] of [
      ["ec__sign-verify-es256", "P-256", "ES256"],
      ["ec__sign-verify-es256k", "P-256K", "ES256K"],
      ["ec__sign-verify-es384", "P-384", "ES384"],
      ["ec__sign-verify-es512", "P-521", "ES512"],
    ] as const) {
      t.test(`ec: ${alg} sign and verify through a key handle (${crv})`, async () => {
        const { client, recording, entry, done } = setup(file);
        const name = nameOf(entry(0).RequestUri);
        const created = await client.createEcKey(name, { curve: crv });
        assert.equal(created.key.crv, crv);
        const handle = client.key(created.id);
        assert.equal((await handle.getPublicKey()).id, created.id);
        const signs = recording.Entries.filter((e) => e.RequestUri.includes("/sign"));
        for (const s of signs) {
          const digest = b((s.RequestBody as any).value);
          const signed = await handle.sign(alg, digest);
          assert.equal(signed.kid, created.id, "the result names the version that signed");
          assert.equal(signed.result.length, { "P-256": 64, "P-256K": 64, "P-384": 96, "P-521": 132 }[crv]);
          // The service's own verify, then ours (local where Web Crypto's curves allow it).
          // ES256K is not in Web Crypto: the handle sends it to the service by itself.
          const remote = await handle.verify(alg, digest, signed.result, alg === "ES256K" ? {} : { remote: true });
          assert.deepEqual([remote.result, remote.local, remote.kid], [true, false, created.id]);
          if (alg !== "ES256K") {
            const local = await handle.verify(alg, digest, signed.result);
            assert.deepEqual([local.result, local.local, local.kid], [true, true, created.id]);
            const tampered = signed.result.slice();
            tampered[3]! ^= 1;
            assert.equal((await handle.verify(alg, digest, tampered)).result, false);
          }
        }
        await cleanup(client, name);
        done();
      });
    }

    t.test("import: importKey sends the private JWK and returns the public one", async () => {
      const { client, entry, done } = setup("import__import-rsa-key");
      const recorded = entry(1).RequestBody as { key: Record<string, unknown> };
      const name = nameOf(entry(0).RequestUri);
      // A Web Crypto export carries ext and alg: they are not Key Vault JWK members and are dropped.
      const key = await client.importKey(name, { ...recorded.key, ext: true, alg: "RS256" } as JsonWebKey & Record<string, unknown>);
      assert.equal(key.keyType, "RSA");
      assert.equal(b(key.key.n!).length, 256, "the service answers n without the leading zero");
      assert.equal(key.key.d, undefined);
      done();
    });

    t.test("list: listKeys follows nextLink page by page, empty pages included", async () => {
      const { client, recording, entry, done } = setup("list__keys-paged");
      const created = [nameOf(entry(0).RequestUri), nameOf(entry(2).RequestUri)];
      for (const n of created) await client.createKey(n, "RSA");
      const pages: { length: number; token: string | undefined }[] = [];
      const names: string[] = [];
      for await (const page of client.listKeys({ maxPageSize: 1 }).byPage()) {
        pages.push({ length: page.length, token: page.continuationToken });
        for (const p of page) {
          names.push(p.name);
          assert.equal(p.version, "", "list items carry no version");
          assert.ok(p.createdOn instanceof Date);
        }
      }
      const listed = recording.Entries.filter((e) => e.RequestUri.includes("/keys?"));
      assert.equal(pages.length, listed.length);
      assert.ok(
        pages.some((p) => p.length === 0 && p.token),
        "an empty page with a nextLink is followed",
      );
      assert.equal(pages.at(-1)!.token, undefined);
      for (const n of created) assert.ok(names.includes(n), `${n} listed`);
      for (const n of created) await cleanup(client, n);
      done();
    });

    t.test("list: listKeyVersions, one version per page", async () => {
      const { client, entry, done } = setup("list__key-versions-paged");
      const name = nameOf(entry(0).RequestUri);
      const v1 = await client.createKey(name, "RSA");
      const v2 = await client.createKey(name, "RSA");
      const versions: string[] = [];
      for await (const v of client.listKeyVersions(name, { maxPageSize: 1 })) versions.push(v.id);
      assert.deepEqual(versions.sort(), [v1.id, v2.id].sort());
      await cleanup(client, name);
      done();
    });

    t.test("list: listDeletedKeys", async () => {
      const { client, entry, done } = setup("list__deleted-keys");
      const names = [nameOf(entry(0).RequestUri), nameOf(entry(2).RequestUri)];
      for (const n of names) await client.createKey(n, "RSA");
      for (const n of names) {
        await client.deleteKey(n);
        await poll(() => client.getDeletedKey(n));
      }
      const deleted = [];
      for await (const d of client.listDeletedKeys()) deleted.push(d);
      assert.deepEqual(
        deleted.map((d) => d.name),
        names,
      );
      assert.ok(deleted.every((d) => d.recoveryId?.endsWith(`/deletedkeys/${d.name}`) && d.deletedOn instanceof Date));
      for (const n of names) await client.purgeDeletedKey(n);
      done();
    });

    t.test("recover: recoverDeletedKey, then the key comes back", async () => {
      const { client, entry, done } = setup("lro__recover-deleted-key");
      const name = nameOf(entry(0).RequestUri);
      const created = await client.createKey(name, "RSA");
      await client.deleteKey(name);
      await poll(() => client.getDeletedKey(name));
      await assert.rejects(() => client.getKey(name), { status: 404 });
      const recovered = await client.recoverDeletedKey(name);
      assert.equal(recovered.id, created.id);
      assert.equal((await poll(() => client.getKey(name))).id, created.id);
      await cleanup(client, name);
      done();
    });

    t.test("backup and restore, with the 409 of a name still being purged", async () => {
      const { client, entry, done } = setup("restore__backup-restore-409-retry");
      const name = nameOf(entry(0).RequestUri);
      const created = await client.createKey(name, "RSA");
      const blob = await client.backupKey(name);
      assert.ok(blob instanceof Uint8Array && blob.length > 100);
      await client.deleteKey(name);
      await poll(() => client.getDeletedKey(name));
      await client.purgeDeletedKey(name);
      await assert.rejects(() => client.restoreKey(blob), { status: 409, code: "Conflict" });
      const restored = await client.restoreKey(blob);
      assert.equal(restored.id, created.id);
      await cleanup(client, name);
      done();
    });

    t.test("restore: a malformed backup is the service's 400", async () => {
      const { client, entry, done } = setup("restore__malformed-backup-400");
      const blob = b((entry(1).RequestBody as { value: string }).value);
      await assert.rejects(() => client.restoreKey(blob), { status: 400, code: "Malformed backup blob" });
      done();
    });

    t.test("recover: a missing key is a 404 for getKey and recoverDeletedKey", async () => {
      const { client, entry, done } = setup("restore__recover-nonexistent-404");
      const name = nameOf(entry(0).RequestUri);
      await assert.rejects(() => client.getKey(name), { status: 404 });
      await assert.rejects(() => client.recoverDeletedKey(name), { status: 404, code: "KeyNotFound" });
      done();
    });

    t.test("rotation: rotateKey makes a new version", async () => {
      const { client, entry, done } = setup("rotation__rotate-key");
      const name = nameOf(entry(0).RequestUri);
      const v1 = await client.createKey(name, "RSA");
      const v2 = await client.rotateKey(name);
      assert.equal(v2.name, name);
      assert.notEqual(v2.properties.version, v1.properties.version);
      done();
    });

    t.test("rotation: updateRotationPolicy and getRotationPolicy", async () => {
      const { client, entry, done } = setup("rotation__policy-update-and-get");
      const name = nameOf(entry(0).RequestUri);
      await client.createKey(name, "RSA");
      const set = await client.updateRotationPolicy(name, {
        lifetimeActions: [{ action: "Rotate", timeBeforeExpiry: "P30D" }],
        expiresIn: "P90D",
      });
      const got = await client.getRotationPolicy(name);
      for (const p of [set, got]) {
        assert.equal(p.expiresIn, "P90D");
        assert.deepEqual(p.lifetimeActions, [
          { action: "Rotate", timeBeforeExpiry: "P30D" },
          { action: "Notify", timeBeforeExpiry: "P30D" },
        ]);
        assert.ok(p.createdOn instanceof Date);
      }
      done();
    });

    t.test("rotation: the policy of a missing key is a 404", async () => {
      const { client, entry, done } = setup("rotation__get-policy-nonexistent-key-404");
      await assert.rejects(() => client.getRotationPolicy(nameOf(entry(0).RequestUri)), { status: 404, code: "KeyNotFound" });
      done();
    });

    for (const [file, alg, hsm] of [
      ["rsa__sign-verify-rs256", "RS256", false],
      ["rsahsm__sign-verify-rs384", "RS384", true],
    ] as const) {
      t.test(`rsa: ${alg} sign, remote and local verify${hsm ? " (RSA-HSM)" : ""}`, async () => {
        const { client, recording, entry, done } = setup(file);
        const name = nameOf(entry(0).RequestUri);
        const created = await client.createRsaKey(name, { hsm });
        assert.equal(created.keyType, hsm ? "RSA-HSM" : "RSA");
        assert.equal(created.key.kty, "RSA", "the JWK is standard");
        const handle = client.key(name, created.properties.version);
        if (recording.Entries.some((e) => e.RequestMethod === "GET" && e.RequestUri.includes(created.properties.version)))
          await handle.getPublicKey();
        const digest = b((recording.Entries.find((e) => e.RequestUri.includes("/sign") && e.RequestBody)!.RequestBody as any).value);
        const signed = await handle.sign(alg, digest);
        assert.equal(signed.kid, created.id);
        const remote = await handle.verify(alg, digest, signed.result, { remote: true });
        assert.deepEqual([remote.result, remote.local], [true, false]);
        // Locally, from the key the create call returned: a real Key Vault signature checks out.
        assert.equal(await lib.keys.verifyLocally(created.key, alg, digest, signed.result), true);
        await cleanup(client, name);
        done();
      });
    }

    for (const [file, op] of [
      ["snippets-crypto__encrypt-decrypt-rsa-oaep-256", "encrypt"],
      ["snippets-crypto__wrap-unwrap-rsa-oaep-256", "wrap"],
    ] as const) {
      t.test(`rsa: RSA-OAEP-256 ${op} in the service, api-version 7.6`, async () => {
        const { client, recording, entry, done } = setup(file, "7.6");
        const name = nameOf(entry(0).RequestUri);
        const created = await client.createKey(name, "RSA");
        const handle = client.key(created.id);
        await handle.getPublicKey();
        const plaintext = b((recording.Entries.find((e) => /\/(encrypt|wrapkey)\?/.test(e.RequestUri))!.RequestBody as any).value);
        // Local first: no request (the replay would refuse an unrecorded one).
        const local = op === "encrypt" ? await handle.encrypt("RSA-OAEP-256", plaintext) : await handle.wrapKey("RSA-OAEP-256", plaintext);
        assert.deepEqual([local.local, local.kid, local.result.length], [true, created.id, 256]);
        const remote =
          op === "encrypt"
            ? await handle.encrypt("RSA-OAEP-256", plaintext, { remote: true })
            : await handle.wrapKey("RSA-OAEP-256", plaintext, { remote: true });
        assert.deepEqual([remote.local, remote.kid], [false, created.id]);
        const back =
          op === "encrypt" ? await handle.decrypt("RSA-OAEP-256", remote.result) : await handle.unwrapKey("RSA-OAEP-256", remote.result);
        assert.deepEqual(back.result, plaintext);
        done();
      });
    }

    t.test("release: create an exportable key with a release policy, then release it", async () => {
      const { client, recording, entry, done } = setup("release__create-exportable-and-release");
      const name = nameOf(entry(0).RequestUri);
      const recorded = entry(1).RequestBody as any;
      const policy = b(recorded.release_policy.data);
      const key = await client.createKey(name, "RSA-HSM", {
        keyOps: ["encrypt", "decrypt"],
        exportable: true,
        releasePolicy: { data: policy },
      });
      assert.equal(key.properties.exportable, true);
      assert.deepEqual(key.properties.releasePolicy?.data, policy);
      assert.equal(key.properties.releasePolicy?.immutable, false);
      const target = recording.Variables["attestation"] ?? (entry(2).RequestBody as any).target;
      const released = await client.releaseKey(name, target);
      assert.equal(released.value.split(".").length, 3, "a JWS");
      // The recorded SDK sent the policy as standard base64; we send base64url: same bytes.
      done((body) =>
        body?.release_policy
          ? { ...body, release_policy: { ...body.release_policy, data: Array.from(b(body.release_policy.data)) } }
          : body,
      );
    });

    t.test("release: an exportable key without a policy is the service's 400", async () => {
      const { client, entry, done } = setup("release__exportable-without-policy-400");
      await assert.rejects(() => client.createKey(nameOf(entry(0).RequestUri), "RSA-HSM", { exportable: true }), {
        status: 400,
        code: "BadParameter",
        message: /AKV\.SKR\.1004/,
      });
      done();
    });

    for (const [file, alg] of [
      ["mhsm__encrypt-decrypt-a256gcm", "A256GCM"],
      ["mhsm__encrypt-decrypt-a256cbcpad", "A256CBCPAD"],
    ] as const) {
      t.test(`managed hsm: ${alg} encrypt and decrypt`, async () => {
        const { client, recording, entry, done } = setup(file);
        const name = nameOf(entry(0).RequestUri);
        const created = await client.createKey(name, "AES", { keySize: 256 });
        assert.deepEqual([created.keyType, created.key.kty, created.properties.keySize], ["oct-HSM", "oct", 256]);
        const handle = client.key(created.id);
        await handle.getPublicKey();
        const sent = recording.Entries.find((e) => e.RequestUri.includes("/encrypt"))!.RequestBody as any;
        const plaintext = b(sent.value);
        const enc = await handle.encrypt(alg, plaintext, sent.iv ? { iv: b(sent.iv) } : {});
        assert.equal(enc.local, false);
        assert.equal(enc.kid, created.id);
        assert.equal(enc.iv?.length, alg === "A256GCM" ? 12 : 16);
        if (alg === "A256GCM") assert.equal(enc.tag?.length, 16);
        const dec = await handle.decrypt(alg, enc.result, { iv: enc.iv!, ...(enc.tag ? { tag: enc.tag } : {}) });
        assert.deepEqual(dec.result, plaintext);
        await client.deleteKey(name);
        await poll(() => client.getDeletedKey(name));
        await client.purgeDeletedKey(name);
        done();
      });
    }

    t.test("managed hsm: getRandomBytes", async () => {
      const { client, done } = setup("mhsm__get-random-bytes");
      const bytes = await client.getRandomBytes(10);
      assert.ok(bytes instanceof Uint8Array);
      assert.equal(bytes.length, 10);
      done();
    });

    t.test("managed hsm: getRandomBytes outside 1..128 is refused before any request (the service's own range)", async () => {
      const { client, replay, entry } = setup("mhsm__get-random-bytes-out-of-range-400");
      for (const i of [1, 2, 3]) {
        const count = (entry(i).RequestBody as { count: number }).count;
        assert.match((entry(i).ResponseBody as any).error.message, /greater than 128 or less than 1/);
        await assert.rejects(() => client.getRandomBytes(count), { code: "ERR_INVALID_INPUT", message: /1 to 128/ });
      }
      assert.equal(replay.sent.length, 0);
    });
  });
}
