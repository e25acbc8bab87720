// keyvault-fetch/secrets against the emulator in every runtime: each operation through the
// standalone functions and SecretClient, the input checks (clear ERR_INVALID_INPUT, nothing sent),
// the retry rules of the unsafe operations, the bounded wait, lazy lists and identifiers.
import type { Lib, Registrar } from "./harness.js";
import type { Page } from "../../src/paging.js";
import type { SecretProperties } from "../../src/secrets/index.js";
import * as assert from "./assert.js";

export function secretsHelpers(t: Registrar, lib: Lib): void {
  const { createEmulator } = lib.emulator;
  const { KeyVaultClient } = lib.core;
  const s = lib.secrets;

  function setup(options: Parameters<typeof createEmulator>[0] = {}, clientOptions: Record<string, unknown> = {}) {
    const emu = createEmulator(options);
    const client = new KeyVaultClient(emu.vaultUrl, { getToken: emu.getToken, fetch: emu.fetch, ...clientOptions });
    const vaultRequests = () => emu.requests.filter((r) => r.target === "vault" && r.authorization);
    return { emu, client, vaultRequests };
  }

  t.group("secrets helpers", () => {
    t.test("every operation through the standalone functions, against the emulator", async () => {
      const { client, emu } = setup({ recoverableDays: 7 });
      const notBefore = new Date(Date.UTC(2026, 0, 1)),
        expiresOn = new Date(Date.UTC(2030, 0, 1));
      const v1 = await s.setSecret(client, "db-password", "first", {
        contentType: "text/plain",
        tags: { team: "payments" },
        notBefore,
        expiresOn,
      });
      assert.deepEqual(
        [
          v1.name,
          v1.value,
          v1.properties.contentType,
          v1.properties.tags,
          v1.properties.notBefore?.getTime(),
          v1.properties.expiresOn?.getTime(),
        ],
        ["db-password", "first", "text/plain", { team: "payments" }, notBefore.getTime(), expiresOn.getTime()],
      );
      assert.match(v1.properties.version, /^[0-9a-f]{32}$/);
      assert.equal(v1.properties.id, `${emu.vaultUrl}/secrets/db-password/${v1.properties.version}`);
      const v2 = await s.setSecret(client, "db-password", "second");
      assert.equal((await s.getSecret(client, "db-password")).value, "second");
      assert.equal((await s.getSecret(client, "db-password", { version: v1.properties.version })).value, "first");
      assert.equal((await s.getSecret(client, `db-password/${v1.properties.version}`)).value, "first");
      assert.equal((await s.getSecret(client, v1.properties.id)).value, "first", "a full identifier of the client's vault");
      const updated = await s.updateSecretProperties(client, "db-password", v1.properties.version, {
        enabled: false,
        tags: { team: "billing" },
      });
      assert.deepEqual([updated.enabled, updated.tags, updated.version], [false, { team: "billing" }, v1.properties.version]);
      const names: string[] = [];
      for await (const p of s.listPropertiesOfSecrets(client)) names.push(p.name);
      assert.deepEqual(names, ["db-password"]);
      const versions: string[] = [];
      for await (const p of s.listPropertiesOfSecretVersions(client, "db-password")) versions.push(p.version);
      assert.deepEqual(versions.sort(), [v1.properties.version, v2.properties.version].sort());
      const blob = await s.backupSecret(client, "db-password");
      assert.ok(blob instanceof Uint8Array && blob.length > 42);
      const deleted = await s.deleteSecret(client, "db-password", { wait: true });
      assert.deepEqual(
        [deleted.name, deleted.recoveryId, deleted.properties.recoveryId],
        ["db-password", `${emu.vaultUrl}/deletedsecrets/db-password`, `${emu.vaultUrl}/deletedsecrets/db-password`],
      );
      assert.equal(deleted.scheduledPurgeDate!.getTime() - deleted.deletedOn!.getTime(), 7 * 86400_000);
      assert.equal((await s.getDeletedSecret(client, "db-password")).name, "db-password");
      const listedDeleted: string[] = [];
      for await (const d of s.listDeletedSecrets(client)) listedDeleted.push(`${d.name} ${d.recoveryId}`);
      assert.deepEqual(listedDeleted, [`db-password ${emu.vaultUrl}/deletedsecrets/db-password`]);
      const recovered = await s.recoverDeletedSecret(client, "db-password", { wait: true });
      assert.equal(recovered.version, v2.properties.version);
      assert.equal((await s.getSecret(client, "db-password")).value, "second");
      await s.deleteSecret(client, "db-password", { wait: true });
      await s.purgeDeletedSecret(client, "db-password");
      await assert.rejects(() => s.getDeletedSecret(client, "db-password"), { status: 404, code: "SecretNotFound" });
      const restored = await s.restoreSecretBackup(client, blob);
      assert.equal(restored.version, v2.properties.version);
      await assert.rejects(
        () => s.getSecret(client, "db-password", { version: v1.properties.version }),
        { status: 403, code: "Forbidden" },
        "the restored first version is still disabled",
      );
    });

    t.test("SecretClient: a KeyVaultClient with every operation as a method", async () => {
      const emu = createEmulator();
      const client = new s.SecretClient(emu.vaultUrl, { getToken: emu.getToken, fetch: emu.fetch });
      assert.ok(client instanceof KeyVaultClient);
      await client.setSecret("api-key", "k1");
      assert.equal((await client.getSecret("api-key")).value, "k1");
      await client.updateSecretProperties("api-key", "", { contentType: "text/plain" });
      assert.equal((await client.getSecret("api-key")).properties.contentType, "text/plain");
      const blob = await client.backupSecret("api-key");
      await client.deleteSecret("api-key", { wait: true });
      assert.equal((await client.getDeletedSecret("api-key")).name, "api-key");
      let n = 0;
      for await (const _ of client.listDeletedSecrets()) n++;
      assert.equal(n, 1);
      await client.recoverDeletedSecret("api-key", { wait: true });
      for await (const p of client.listPropertiesOfSecrets({ maxPageSize: 1 })) assert.equal(p.name, "api-key");
      for await (const p of client.listPropertiesOfSecretVersions("api-key")) assert.equal(p.name, "api-key");
      await client.deleteSecret("api-key", { wait: true });
      await client.purgeDeletedSecret("api-key");
      assert.equal((await client.restoreSecretBackup(blob)).name, "api-key");
      const methods = [
        "getSecret",
        "setSecret",
        "updateSecretProperties",
        "deleteSecret",
        "getDeletedSecret",
        "recoverDeletedSecret",
        "purgeDeletedSecret",
        "backupSecret",
        "restoreSecretBackup",
        "listPropertiesOfSecrets",
        "listPropertiesOfSecretVersions",
        "listDeletedSecrets",
      ];
      for (const m of methods) assert.equal(typeof (client as any)[m], "function", m);
    });

    t.test("bad input: a clear ERR_INVALID_INPUT before anything is sent (and no value in any message)", async () => {
      const { client, vaultRequests } = setup();
      await s.setSecret(client, "exists", "v");
      const before = vaultRequests().length;
      const cases: [() => unknown, RegExp][] = [
        [
          () => s.setSecret(client, "bad name", "hunter2-secret"),
          /invalid secret name "bad name": use 1 to 127 letters, digits and dashes/,
        ],
        [() => s.setSecret(client, "x".repeat(128), "v"), /invalid secret name/],
        [() => s.setSecret(client, "ok", 42 as any), /setSecret needs the value as a string; got a number/],
        [() => s.setSecret(client, "ok", new Uint8Array(3) as any), /got bytes \(encode bytes first, e\.g\. base64\)/],
        [() => s.setSecret(client, "ok", "é".repeat(12_801)), /at most 25600 bytes \(UTF-8\); this one is 25602/],
        [() => s.setSecret(client, "ok", "v", { tags: { a: 1 as any } }), /tag "a" must have a string value; got a number/],
        [() => s.setSecret(client, "ok", "v", { expiresOn: new Date("nope") }), /expiresOn must be a valid Date/],
        [() => s.setSecret(client, "ok", "v", { expiresOn: "2030-01-01" as any }), /expiresOn must be a valid Date/],
        [() => s.setSecret(client, "ok", "v", { contentType: "c".repeat(256) }), /contentType must be a string of at most 255 characters/],
        [() => s.setSecret(client, "ok", "v", "text/plain" as any), /setSecret takes an options object .*; got a string/],
        [
          () => s.updateSecretProperties(client, "exists", { enabled: false } as any, undefined as any),
          /the third argument is the version \(""\ for the newest\); got an object, as if it were the options/,
        ],
        [() => s.updateSecretProperties(client, "exists", "", {}), /needs something to change/],
        [() => s.getSecret(client, "exists", "0123" as any), /getSecret takes an options object .*: for a version pass \{ version: "…" \}/],
        [() => s.getSecret(client, "exists", { version: "not/a/version" }), /invalid secret version/],
        [() => s.getSecret(client, 7 as any), /a secret name or identifier is required; got a number/],
        [() => s.restoreSecretBackup(client, "blob" as any), /needs the backup as non-empty bytes \(Uint8Array\); got a string/],
        [() => s.deleteSecret(client, "exists", { wait: "yes" as any }), /wait must be true, false or \{ timeoutMs, intervalMs \}/],
        [() => s.deleteSecret(client, "exists", { wait: { timeoutMs: -1 } }), /wait\.timeoutMs must be a number/],
        [() => s.listPropertiesOfSecrets(client, { maxPageSize: 26 }), /maxPageSize must be an integer from 1 to 25; got 26/],
        [() => s.parseSecretId("https://v.vault.azure.net/keys/k/1"), /not a secret identifier/],
      ];
      for (const [fn, message] of cases) {
        const e = await assert.rejects(async () => fn(), { name: "KeyVaultClientError", code: "ERR_INVALID_INPUT", message });
        assert.ok(!String(e.message).includes("hunter2"), "no value in a message");
      }
      await assert.rejects(() => s.getSecret(client, "https://other.vault.azure.net/secrets/x"), { code: "ERR_FOREIGN_ORIGIN" });
      assert.equal(vaultRequests().length, before, "nothing was sent");
      assert.equal((await s.getSecret(client, "exists")).value, "v", "and nothing was lost");
    });

    t.test("retry rules: setSecret, restore and recover are retried on 429 only; reads are retried on 503", async () => {
      const { emu, client, vaultRequests } = setup({}, { retry: { retries: 3, minDelayMs: 1, maxDelayMs: 5 } });
      await s.setSecret(client, "warm", "v");
      const count = (method: string, path: RegExp) =>
        vaultRequests().filter((r) => r.method === method && path.test(new URL(r.url).pathname)).length;
      emu.faults.add({ route: "PUT /secrets/*", status: 503 });
      await assert.rejects(() => s.setSecret(client, "once", "v"), { status: 503 });
      assert.equal(count("PUT", /\/secrets\/once$/), 1, "a set that may have happened is not repeated");
      emu.faults.add({ route: "PUT /secrets/*", status: 429 });
      assert.equal((await s.setSecret(client, "twice", "v")).value, "v");
      assert.equal(count("PUT", /\/secrets\/twice$/), 2, "a 429 is repeated");
      const blob = await s.backupSecret(client, "twice");
      await s.deleteSecret(client, "twice", { wait: true });
      emu.faults.add({ route: "POST /deletedsecrets/*/recover", status: 503 });
      await assert.rejects(() => s.recoverDeletedSecret(client, "twice"), { status: 503 });
      assert.equal(count("POST", /recover$/), 1);
      await s.purgeDeletedSecret(client, "twice");
      emu.faults.add({ route: "POST /secrets/restore", status: 503 });
      await assert.rejects(() => s.restoreSecretBackup(client, blob), { status: 503 });
      assert.equal(count("POST", /\/secrets\/restore$/), 1);
      emu.faults.add({ route: "GET /secrets/**", status: 503 });
      assert.equal((await s.getSecret(client, "warm")).value, "v");
      assert.equal(count("GET", /\/secrets\/warm\/$/), 2, "a read is repeated");
    });

    t.test("wait: bounded, looks until the service completed; ERR_TIMEOUT when it takes longer; the signal stops it", async () => {
      const { client, emu, vaultRequests } = setup({ deletionDelayMs: 150 });
      await s.setSecret(client, "slow", "v", { enabled: false });
      await s.deleteSecret(client, "slow");
      await assert.rejects(() => s.getDeletedSecret(client, "slow"), { status: 404 }, "without wait: not visible yet");
      await new Promise((r) => setTimeout(r, 200));
      await s.recoverDeletedSecret(client, "slow", { wait: { intervalMs: 20 } });
      assert.ok(
        vaultRequests().some((r) => r.status === 403 && r.url.includes("/secrets/slow/")),
        "a disabled secret's 403 SecretDisabled means it is back",
      );
      const started = Date.now();
      const deleted = await s.deleteSecret(client, "slow", { wait: { intervalMs: 20 } });
      assert.ok(Date.now() - started >= 100, `waited ${Date.now() - started} ms`);
      assert.equal(deleted.name, "slow");
      const polls = vaultRequests().filter((r) => r.url.includes("/deletedsecrets/slow?") && r.status === 404).length;
      assert.ok(polls >= 2, `${polls} looks answered 404 while the deletion completed`);

      const slowEmu = createEmulator({ deletionDelayMs: 60_000 });
      const slow = new KeyVaultClient(slowEmu.vaultUrl, { getToken: slowEmu.getToken, fetch: slowEmu.fetch });
      await s.setSecret(slow, "never", "v");
      await assert.rejects(() => s.deleteSecret(slow, "never", { wait: { timeoutMs: 60, intervalMs: 10 } }), {
        code: "ERR_TIMEOUT",
        message: /deletion of secret never did not complete within 60 ms \(it was accepted/,
      });
      await s.setSecret(slow, "aborted", "v");
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error("caller gave up")), 50);
      await assert.rejects(() => s.deleteSecret(slow, "aborted", { wait: { intervalMs: 10 }, signal: controller.signal }), {
        message: /caller gave up/,
      });
      void emu;
    });

    t.test("lists: lazy, resumable with continuationToken, and a nextLink to another origin is refused", async () => {
      const { client, emu, vaultRequests } = setup();
      for (let i = 0; i < 5; i++) await s.setSecret(client, `item-${i}`, "v");
      const before = vaultRequests().length;
      const list = s.listPropertiesOfSecrets(client, { maxPageSize: 2 });
      assert.equal(vaultRequests().length, before, "nothing requested before iteration");
      const pages = list.byPage();
      const first = (await pages[Symbol.asyncIterator]().next()).value as Page<SecretProperties>;
      assert.equal(vaultRequests().length, before + 1, "one page per step");
      assert.deepEqual(
        first.map((p) => p.name),
        ["item-0", "item-1"],
      );
      assert.match(first.continuationToken!, /^https:\/\/[^/]+:443\/secrets\?/);
      const rest: string[] = [];
      for await (const page of s.listPropertiesOfSecrets(client).byPage({ continuationToken: first.continuationToken!, maxPageSize: 2 }))
        rest.push(...page.map((p) => p.name));
      assert.deepEqual(rest, ["item-2", "item-3", "item-4"]);
      // A vault (or a proxy) that links elsewhere: the client never follows it with a token.
      const hostile = new KeyVaultClient(emu.vaultUrl, {
        getToken: emu.getToken,
        fetch: async (input, init) => {
          const res = await emu.fetch(input, init);
          const body = (await res.json()) as any;
          if (body.nextLink) body.nextLink = body.nextLink.replace(/^https:\/\/[^/]+/, "https://evil.example");
          return new Response(JSON.stringify(body), { status: res.status, headers: res.headers });
        },
      });
      const seen: string[] = [];
      await assert.rejects(
        async () => {
          for await (const p of s.listPropertiesOfSecrets(hostile, { maxPageSize: 2 })) seen.push(p.name);
        },
        { code: "ERR_FOREIGN_ORIGIN" },
      );
      assert.deepEqual(seen, ["item-0", "item-1"]);
    });

    t.test(
      "behind a proxy (vaultOrigin): identifiers the vault hands out still name the client's vault; lists follow its nextLinks",
      async () => {
        const emu = createEmulator();
        const proxy = "https://proxy.example";
        const viaProxy = (input: string | URL | Request, init?: RequestInit) => {
          const req = new Request(input, init);
          return emu.fetch(new Request(req.url.replace(proxy, emu.vaultUrl), req));
        };
        const client = new KeyVaultClient(proxy, {
          getToken: emu.getToken,
          fetch: viaProxy,
          vaultOrigin: emu.vaultUrl,
          verifyChallengeResource: false,
        });
        const set = await s.setSecret(client, "behind", "v");
        assert.ok(set.properties.id.startsWith(emu.vaultUrl), "ids name the vault");
        assert.equal((await s.getSecret(client, set.properties.id)).value, "v");
        await assert.rejects(() => s.getSecret(client, "https://third.vault.azure.net/secrets/behind"), { code: "ERR_FOREIGN_ORIGIN" });
        const cache = new s.SecretCache();
        assert.equal(await cache.getValue(client, set.properties.id), "v");
      },
    );

    t.test("secret identifiers: parseSecretId (and its SDK name parseKeyVaultSecretIdentifier)", () => {
      assert.deepEqual(s.parseSecretId("https://v.vault.azure.net/secrets/db/0123456789abcdef0123456789abcdef"), {
        sourceId: "https://v.vault.azure.net/secrets/db/0123456789abcdef0123456789abcdef",
        vaultUrl: "https://v.vault.azure.net",
        collection: "secrets",
        name: "db",
        version: "0123456789abcdef0123456789abcdef",
      });
      assert.deepEqual(s.parseKeyVaultSecretIdentifier("https://v.vault.azure.net:443/deletedsecrets/db"), {
        sourceId: "https://v.vault.azure.net:443/deletedsecrets/db",
        vaultUrl: "https://v.vault.azure.net",
        collection: "deletedsecrets",
        name: "db",
        version: "",
      });
      for (const bad of [
        "db",
        "https://v.vault.azure.net/secrets",
        "https://v.vault.azure.net/secrets/a_b",
        "https://v.vault.azure.net/secrets/a/b/c",
        "https://v.vault.azure.net/certificates/c",
      ]) {
        let threw = false;
        try {
          s.parseSecretId(bad);
        } catch (e: any) {
          threw = e.code === "ERR_INVALID_INPUT";
        }
        assert.ok(threw, bad);
      }
    });
  });
}
