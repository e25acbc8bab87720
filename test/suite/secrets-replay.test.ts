// The real recorded secrets sessions replayed through the typed helpers: each helper must send the
// recorded request (method, path, query, body) and turn the recorded answer into the right result.
import type { Lib, Recording, Registrar } from "./harness.js";
import type { SecretClient } from "../../src/secrets/index.js";
import * as assert from "./assert.js";
import { assertReplayed, replayFetch } from "./replay.js";

const TOKEN = "replay-token";
const FAST = { wait: { intervalMs: 1 } } as const;

export function secretsReplay(t: Registrar, lib: Lib): void {
  const { SecretClient } = lib.secrets;
  const { base64UrlDecode, clearChallengeCache } = lib.core;

  function setup(name: string | Recording) {
    const recording = (typeof name === "string" ? lib.fixtures.recordings[name] : name) as Recording;
    assert.ok(recording, `recording ${String(name)}`);
    const vaultUrl = new URL(recording.Entries[0]!.RequestUri).origin;
    clearChallengeCache(vaultUrl);
    const replay = replayFetch(recording);
    const client = new SecretClient(vaultUrl, { getToken: () => TOKEN, fetch: replay.fetch, retry: false });
    const entry = (i: number) => recording.Entries[i]!;
    /** Checks what was sent: in recorded order, all with the token, bodies as recorded; and nothing left over. */
    const done = () => assertReplayed(replay, TOKEN);
    return { recording, client, replay, entry, done, vaultUrl };
  }
  const nameOf = (uri: string) => decodeURIComponent(new URL(uri).pathname.split("/")[2]!);
  const bodyOf = (e: { RequestBody: unknown }) =>
    e.RequestBody as { value: string; attributes?: { exp?: number; enabled?: boolean }; contentType?: string };
  async function cleanup(client: SecretClient, name: string) {
    const deleted = await client.deleteSecret(name, FAST);
    assert.equal(deleted.name, name);
    await client.purgeDeletedSecret(name);
  }

  t.group("secrets replay", () => {
    t.test("setSecret, then getSecret of the newest version (/name/) and of that version", async () => {
      const { client, entry, done, vaultUrl } = setup("secrets__set-get-latest-and-version");
      const name = nameOf(entry(0).RequestUri);
      const set = await client.setSecret(name, "MySecretValue");
      assert.deepEqual(
        [set.name, set.value, set.properties.vaultUrl, set.properties.version],
        [name, "MySecretValue", vaultUrl, "35f110a89b1f479d89b91558eab99a20"],
      );
      assert.equal(set.properties.id, `${vaultUrl}/secrets/${name}/35f110a89b1f479d89b91558eab99a20`);
      assert.deepEqual(
        [set.properties.enabled, set.properties.createdOn?.getTime(), set.properties.recoveryLevel, set.properties.recoverableDays],
        [true, 1777137795000, "CustomizedRecoverable+Purgeable", 7],
      );
      assert.equal((await client.getSecret(name)).value, "MySecretValue");
      assert.equal((await client.getSecret(name, { version: set.properties.version })).properties.id, set.properties.id);
      done();
    });

    t.test("setSecret with expiresOn; getSecret reads it back as a Date", async () => {
      const { client, entry, done } = setup("secrets__set-with-expiry");
      const name = nameOf(entry(0).RequestUri);
      const expiresOn = new Date(bodyOf(entry(1)).attributes!.exp! * 1000);
      assert.equal((await client.setSecret(name, "SECRET_VALUE", { expiresOn })).properties.expiresOn?.getTime(), expiresOn.getTime());
      assert.equal((await client.getSecret(name)).properties.expiresOn?.getTime(), expiresOn.getTime());
      done();
    });

    t.test('updateSecretProperties(name, "") of the newest version: PATCH /name/ with the new expiry, no value in the answer', async () => {
      const { client, entry, done } = setup("secrets__update-properties-exp");
      const name = nameOf(entry(0).RequestUri);
      await client.setSecret(name, "SECRET_VALUE");
      const props = await client.updateSecretProperties(name, "", { expiresOn: new Date(1798761600_000) });
      assert.equal(props.expiresOn?.toISOString(), "2027-01-01T00:00:00.000Z");
      assert.equal((props as any).value, undefined);
      assert.equal((await client.getSecret(name)).properties.expiresOn?.getTime(), 1798761600_000);
      done();
    });

    t.test("updateSecretProperties of one version disables it", async () => {
      const { client, entry, done } = setup("secrets__update-version-disable");
      const name = nameOf(entry(0).RequestUri);
      const set = await client.setSecret(name, "MySecretValue");
      assert.equal((await client.getSecret(name)).value, "MySecretValue");
      assert.equal((await client.updateSecretProperties(name, set.properties.version, { enabled: false })).enabled, false);
      done();
    });

    t.test("a disabled secret: setSecret with enabled false, getSecret is a KeyVaultError 403 Forbidden (SecretDisabled)", async () => {
      const { client, entry, done } = setup("secrets__get-disabled-403");
      const name = nameOf(entry(0).RequestUri);
      assert.equal((await client.setSecret(name, "SECRET_VALUE", { enabled: false })).properties.enabled, false);
      const e = await assert.rejects(() => client.getSecret(name), { name: "KeyVaultError", status: 403, code: "Forbidden" });
      assert.deepEqual(e.innerError, { code: "SecretDisabled" });
      done();
    });

    t.test("updating a disabled secret works", async () => {
      const { client, entry, done } = setup("secrets__update-disabled-secret");
      const name = nameOf(entry(0).RequestUri);
      await client.setSecret(name, "SECRET_VALUE", { enabled: false });
      const props = await client.updateSecretProperties(name, "", { expiresOn: new Date(1798761600_000) });
      assert.deepEqual([props.enabled, props.expiresOn?.getTime()], [false, 1798761600_000]);
      done();
    });

    t.test("contentType round-trips; deleteSecret waits until the deletion completed (404, 404, 200); purge", async () => {
      const { client, entry, done } = setup("secrets__content-type-and-purge");
      const name = nameOf(entry(0).RequestUri);
      const set = await client.setSecret(name, "SECRET_VALUE", { contentType: "application/x-roundtrip-initial" });
      assert.deepEqual(
        [set.properties.contentType, set.properties.recoveryLevel, set.properties.recoverableDays],
        ["application/x-roundtrip-initial", "Recoverable+Purgeable", 90],
      );
      assert.equal((await client.getSecret(name)).properties.contentType, "application/x-roundtrip-initial");
      const deleted = await client.deleteSecret(name, FAST);
      assert.deepEqual(
        [deleted.properties.contentType, deleted.deletedOn?.getTime(), deleted.scheduledPurgeDate?.getTime()],
        ["application/x-roundtrip-initial", 1777408748000, 1785184748000],
      );
      assert.match(deleted.recoveryId!, /\/deletedsecrets\/ContentType-setSecretround-tripscontentType-$/);
      await client.purgeDeletedSecret(name);
      done();
    });

    t.test("missing secrets: getSecret and deleteSecret are 404 SecretNotFound", async () => {
      for (const [file, op] of [
        ["secrets__get-nonexistent-404", "get"],
        ["secrets__delete-nonexistent-404", "delete"],
      ] as const) {
        const { client, entry, done } = setup(file);
        const name = nameOf(entry(0).RequestUri);
        const e = await assert.rejects(() => (op === "get" ? client.getSecret(name) : client.deleteSecret(name)), {
          name: "KeyVaultError",
          status: 404,
          code: "SecretNotFound",
        });
        assert.match(e.message, /was not found in this key vault/);
        done();
      }
    });

    t.test("an empty value is a value", async () => {
      const { client, entry, done } = setup("secrets__set-empty-value");
      const set = await client.setSecret(nameOf(entry(0).RequestUri), "");
      assert.equal(set.value, "");
      done();
    });

    t.test("an empty name: refused here (ERR_INVALID_INPUT, nothing sent); the service's own answer is the recorded 405", async () => {
      const { client, done } = setup("secrets__put-empty-name-405");
      await assert.rejects(() => client.setSecret("", "SECRET_VALUE"), {
        name: "KeyVaultClientError",
        code: "ERR_INVALID_INPUT",
        message: /invalid secret name ""/,
      });
      await assert.rejects(
        () => lib.core.request(client, "PUT", "/secrets/", { value: "SECRET_VALUE", attributes: {} }, { idempotent: false }),
        { status: 405, code: "MethodNotAllowed" },
      );
      done();
    });

    t.test("deleteSecret and recoverDeletedSecret with wait: each polls until the service completed (404 while it works)", async () => {
      const { client, entry, done } = setup("secrets__lro-delete-recover");
      const name = nameOf(entry(0).RequestUri);
      const set = await client.setSecret(name, "value");
      const deleted = await client.deleteSecret(name, FAST);
      assert.equal(deleted.properties.id, set.properties.id);
      await assert.rejects(() => client.getSecret(name), { status: 404 });
      const recovered = await client.recoverDeletedSecret(name, FAST);
      assert.equal(recovered.id, set.properties.id);
      done();
    });

    t.test("recover: a missing secret is 404 for getSecret and recoverDeletedSecret", async () => {
      const { client, entry, done } = setup("secrets__recover-nonexistent-404");
      const name = nameOf(entry(0).RequestUri);
      await assert.rejects(() => client.getSecret(name), { status: 404 });
      await assert.rejects(() => client.recoverDeletedSecret(name), { status: 404, code: "SecretNotFound" });
      done();
    });

    t.test("restoreSecretBackup of junk is the service's 400 'Malformed backup blob'", async () => {
      const { client, entry, done } = setup("secrets__restore-malformed-400");
      await assert.rejects(() => client.restoreSecretBackup(base64UrlDecode(bodyOf(entry(1)).value)), {
        status: 400,
        code: "Malformed backup blob",
      });
      done();
    });

    t.test("backupSecret, delete (wait), purge, then restoreSecretBackup: 409 while the purge completes, then restored", async () => {
      const { client, entry, done } = setup("secrets__backup-restore");
      const name = nameOf(entry(0).RequestUri);
      const set = await client.setSecret(name, "RSA");
      const blob = await client.backupSecret(name);
      assert.equal(new TextDecoder().decode(blob.subarray(0, 42)), ")AzureKeyVaultSecretBackupV1.microsoft.com");
      await cleanup(client, name);
      let restored;
      for (let i = 0; !restored; i++) {
        try {
          restored = await client.restoreSecretBackup(blob);
        } catch (e: any) {
          if (e.status !== 409 || i > 5) throw e;
        }
      }
      assert.equal(restored.id, set.properties.id);
      assert.equal((restored as any).value, undefined);
      await cleanup(client, name);
      done();
    });

    t.test("listPropertiesOfSecretVersions byPage (maxPageSize 1) through absolute nextLinks, reading each version", async () => {
      const { client, entry, done, vaultUrl } = setup("secrets__list-versions-paged");
      const name = nameOf(entry(0).RequestUri);
      for (const v of ["SECRET_VALUE0", "SECRET_VALUE1", "SECRET_VALUE2"]) await client.setSecret(name, v);
      const values: string[] = [];
      let pages = 0;
      for await (const page of client.listPropertiesOfSecretVersions(name).byPage({ maxPageSize: 1 })) {
        pages++;
        assert.equal(page.length, 1);
        if (page.continuationToken)
          assert.ok(page.continuationToken.startsWith(vaultUrl), "the nextLink is rewritten to the client's vault");
        values.push((await client.getSecret(name, { version: page[0]!.version })).value);
      }
      assert.equal(pages, 3);
      assert.deepEqual(values, ["SECRET_VALUE0", "SECRET_VALUE2", "SECRET_VALUE1"]);
      done();
    });

    t.test("listPropertiesOfSecrets follows every nextLink of a shared vault; items carry contentType, managed and tags", async () => {
      const { client, entry, done } = setup("secrets__list-secrets-paged");
      for (const i of [1, 2]) await client.setSecret(nameOf(entry(i).RequestUri), "RSA");
      const items = [];
      for await (const p of client.listPropertiesOfSecrets()) items.push(p);
      const recordedCount = [3, 4, 5, 6].reduce((n, i) => n + (entry(i).ResponseBody as any).value.length, 0);
      assert.equal(items.length, recordedCount);
      assert.ok(items.some((p) => p.name === "listSecretName-canlistsecretproperties-0"));
      const managed = items.find((p) => p.managed)!;
      assert.deepEqual([managed.contentType, managed.version, typeof managed.notBefore?.getTime()], ["application/x-pkcs12", "", "number"]);
      assert.ok(items.some((p) => p.tags?.customTag === "value"));
      done();
    });

    t.test("listPropertiesOfSecretVersions of a missing secret is empty", async () => {
      const { client, entry, done } = setup("secrets__list-versions-nonexistent-empty");
      const all = [];
      for await (const p of client.listPropertiesOfSecretVersions(nameOf(entry(0).RequestUri))) all.push(p);
      assert.deepEqual(all, []);
      done();
    });

    t.test("getSecret with outContentType sends the query as recorded; the service's 400 for a secret that is no PFX", async () => {
      const { client, entry, done } = setup("secrets__get-out-content-type-pem-400");
      const name = nameOf(entry(0).RequestUri);
      await client.setSecret(name, "SECRET_VALUE");
      await assert.rejects(() => client.getSecret(name, { outContentType: "application/x-pem-file" }), {
        status: 400,
        code: "BadParameter",
        message: /'Unsupported' to 'PEM'/,
      });
      await cleanup(client, name);
      done();
    });

    t.test(
      "a certificate's secret (from the certificates recordings): managed, certificateKeyId (kid), PEM and PKCS#12 content types",
      async () => {
        for (const file of ["certificates__get-secret-pem", "certificates__get-secret-pkcs12"]) {
          const full = lib.fixtures.recordings[file] as Recording;
          const Entries = full.Entries.filter((e) => new URL(e.RequestUri).pathname.startsWith("/secrets/"));
          const { client, entry, done } = setup({ Entries, Variables: {} });
          const name = nameOf(entry(0).RequestUri);
          const secret = await client.getSecret(name);
          const recorded = entry(1).ResponseBody as any;
          assert.equal(secret.value, recorded.value);
          assert.equal(secret.properties.managed, true);
          assert.equal(
            secret.properties.certificateKeyId,
            `${new URL(entry(0).RequestUri).origin}/keys/${name}/${secret.properties.version}`,
          );
          assert.equal(secret.properties.contentType, file.endsWith("pem") ? "application/x-pem-file" : "application/x-pkcs12");
          assert.equal(secret.properties.expiresOn?.getTime(), recorded.attributes.exp * 1000);
          done();
        }
      },
    );
  });
}
