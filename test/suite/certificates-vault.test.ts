// keyvault-fetch/certificates against the emulator's certificates: every operation through
// CertificateClient, and the end-to-end proofs: getCertificateWithKey's key signs what the
// certificate's public key verifies, for RSA and EC certificates created in the vault, imported
// as PEM and imported as PKCS#12; fromKeyVaultCertificate gets a token with a certificate whose key
// is not exportable and follows its renewal.
import type { Lib, Registrar } from "./harness.js";
import * as assert from "./assert.js";
import { decodeJwt, recordingFetch, uniqueName } from "./entra-helpers.js";

type Signing = { name: string; hash?: string; saltLength?: number };

// RSA keys are made by the emulator in pure code: slow on a loaded machine.
const SLOW = { timeoutMs: 180_000 };

export function certificatesVault(t: Registrar, lib: Lib): void {
  const { CertificateClient } = lib.certificates;
  const vault = (prefix: string, options: { certificateDelayMs?: number } = {}) => {
    const emu = lib.emulator.createEmulator({ name: uniqueName(prefix), certificateDelayMs: 0, ...options });
    const client = new CertificateClient(emu.vaultUrl, { getToken: emu.getToken, fetch: emu.fetch });
    return { emu, client };
  };
  const KINDS: [string, Record<string, unknown>, Signing][] = [
    ["RSA", { keyType: "RSA", keySize: 2048 }, { name: "RSASSA-PKCS1-v1_5" }],
    ["EC P-256", { keyType: "EC", keyCurveName: "P-256" }, { name: "ECDSA", hash: "SHA-256" }],
    ["EC P-384", { keyType: "EC", keyCurveName: "P-384" }, { name: "ECDSA", hash: "SHA-384" }],
    ["EC P-521", { keyType: "EC", keyCurveName: "P-521" }, { name: "ECDSA", hash: "SHA-512" }],
  ];

  /** Signs with getCertificateWithKey's key and verifies under the certificate's (getCertificate's) public key. */
  async function signsAndVerifies(client: InstanceType<typeof CertificateClient>, name: string, signing: Signing) {
    const got = await client.getCertificateWithKey(name);
    const { cer } = await client.getCertificate(name);
    assert.deepEqual(got.certificate, cer, "the leaf is the vault's certificate");
    assert.equal(got.privateKey.extractable, false);
    const data = new TextEncoder().encode(`signed with ${name}`);
    const signature = await crypto.subtle.sign(signing, got.privateKey as CryptoKey, data);
    const publicKey = (await lib.certificates.importCertificatePublicKey(cer)) as CryptoKey;
    assert.ok(await crypto.subtle.verify(signing, publicKey, signature, data), `${name}: verifies under the certificate's public key`);
    return got;
  }

  t.group("certificates › emulator", () => {
    for (const [kind, keyPolicy, signing] of KINDS) {
      t.test(
        `${kind}: created in the vault, imported as PEM, imported as PKCS#12: getCertificateWithKey signs, the certificate verifies`,
        async () => {
          const { client } = vault("cwk");
          const policy = {
            issuerName: "Self",
            subject: "CN=api.example.com, O=Example",
            subjectAlternativeNames: { dnsNames: ["api.example.com"] },
            ...keyPolicy,
          };
          const done = await client.createCertificate("created", policy, { wait: true });
          assert.equal(done.status, "completed");
          const created = await signsAndVerifies(client, "created", signing);
          assert.deepEqual([created.subject, created.subjectAltNames.dnsNames], ["CN=api.example.com, O=Example", ["api.example.com"]]);
          const { properties } = await client.getCertificate("created");
          assert.deepEqual(
            [created.notBefore.getTime(), created.notAfter.getTime()],
            [properties.notBefore?.getTime(), properties.expiresOn?.getTime()],
          );
          assert.equal(created.x5t, lib.core.base64UrlEncode(properties.x509Thumbprint!));

          // Imported as PEM: the PEM getCertificateWithKey gave (key and chain).
          const pem = created.pem.privateKey + created.pem.chain;
          const fromPem = await client.importCertificate("from-pem", pem);
          assert.equal(fromPem.policy?.contentType, "application/x-pem-file");
          assert.deepEqual((await signsAndVerifies(client, "from-pem", signing)).certificate, created.certificate);

          // Imported as PKCS#12: the secret of a certificate kept as a PFX (the default), read as it is.
          const { value: pfx } = await lib.secrets.getSecret(client, "created");
          assert.ok(!pfx.includes("BEGIN"), "a PFX, base64");
          await client.importCertificate("from-pfx", lib.core.base64Decode(pfx));
          assert.deepEqual((await signsAndVerifies(client, "from-pfx", signing)).certificate, created.certificate);
        },
        SLOW,
      );
    }

    t.test(
      "a non-exportable certificate (PKCS#12 and PEM): getCertificateWithKey is ERR_KEY_NOT_EXPORTABLE; its keyId signs in the vault",
      async () => {
        const { client } = vault("cnx");
        const ec = { issuerName: "Self", subject: "CN=kept-in-vault", keyType: "EC", keyCurveName: "P-256", exportable: false } as const;
        for (const [name, contentType] of [
          ["nx-pfx", "application/x-pkcs12"],
          ["nx-pem", "application/x-pem-file"],
        ] as const) {
          await client.createCertificate(name, { ...ec, contentType }, { wait: true });
          assert.equal((await client.getCertificatePolicy(name)).exportable, false, name);
          const refused = await assert.rejects(() => client.getCertificateWithKey(name), { code: "ERR_KEY_NOT_EXPORTABLE" });
          assert.match(refused.message, new RegExp(`certificate ${name} has a non-exportable key`));
          // The secret still serves the certificate; only the key stays in the vault.
          const { value } = await lib.secrets.getSecret(client, name, { outContentType: "application/x-pem-file" });
          const { cer, keyId } = await client.getCertificate(name);
          assert.ok(value.replace(/\n/g, "").includes(lib.core.base64Encode(cer)), `${name}: the secret holds the certificate`);
          const data = new TextEncoder().encode(`signed in the vault by ${name}`);
          const { result } = await lib.keys.signData(client, keyId!, "ES256", data);
          const publicKey = (await lib.certificates.importCertificatePublicKey(cer)) as CryptoKey;
          assert.ok(await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, publicKey, result, data), `${name}: verifies`);
        }
      },
      SLOW,
    );

    t.test(
      "createCertificate { wait } follows the emulator's Retry-After until the certificate is issued",
      async () => {
        const { client } = vault("cwait", { certificateDelayMs: 1200 });
        const started = Date.now();
        const pending = await client.createCertificate("slow", { issuerName: "Self", subject: "CN=slow" });
        assert.equal(pending.status, "inProgress");
        const done = await client.getCertificateOperation("slow", { wait: true });
        assert.equal(done.status, "completed");
        assert.ok(Date.now() - started >= 1000, "waited for the certificate");
        assert.ok((await client.getCertificate("slow")).cer.length > 0);
      },
      SLOW,
    );

    t.test(
      "a curve Web Crypto lacks (P-256K) is refused with the fix named; an unknown name is the service's 404",
      async () => {
        const { client } = vault("ck1");
        await client.createCertificate(
          "k1",
          { issuerName: "Self", subject: "CN=k1", keyType: "EC", keyCurveName: "P-256K" },
          { wait: true },
        );
        await assert.rejects(() => client.getCertificateWithKey("k1"), { code: "ERR_UNSUPPORTED", message: /P-256K.*sign in the vault/ });
        await assert.rejects(() => client.getCertificateWithKey("nope"), { name: "KeyVaultError", status: 404 });
      },
      SLOW,
    );

    t.test(
      "every operation through CertificateClient: lists, versions, properties, policy, backup/restore, delete/recover/purge, contacts, issuers",
      async () => {
        const { client } = vault("cops");
        const self = { issuerName: "Self", subject: "CN=ops" };
        await client.createCertificate("ops", self, { wait: true, tags: { a: "1" } });
        await client.createCertificate("ops", self, { wait: true });
        const versions = [];
        for await (const v of client.listPropertiesOfCertificateVersions("ops", { maxPageSize: 1 })) versions.push(v.version);
        assert.equal(versions.length, 2);
        const names = [];
        for await (const c of client.listPropertiesOfCertificates({ includePending: true })) names.push(c.name);
        assert.deepEqual(names, ["ops"]);
        assert.equal((await client.updateCertificateProperties("ops", "", { tags: { b: "2" } })).properties.tags?.b, "2");
        assert.equal((await client.getCertificate("ops", versions[0])).properties.version, versions[0]);
        assert.equal((await client.updateCertificatePolicy("ops", { validityInMonths: 3 })).validityInMonths, 3);
        assert.equal((await client.getCertificatePolicy("ops")).validityInMonths, 3);
        const backup = await client.backupCertificate("ops");
        const deleted = await client.deleteCertificate("ops", { wait: { intervalMs: 10 } });
        assert.ok(deleted.scheduledPurgeDate instanceof Date);
        assert.equal((await client.getDeletedCertificate("ops")).name, "ops");
        const listedDeleted = [];
        for await (const d of client.listDeletedCertificates()) listedDeleted.push(d.name);
        assert.deepEqual(listedDeleted, ["ops"]);
        await client.recoverDeletedCertificate("ops", { wait: { intervalMs: 10 } });
        assert.equal((await client.getCertificate("ops")).name, "ops");
        await client.deleteCertificate("ops", { wait: { intervalMs: 10 } });
        await client.purgeDeletedCertificate("ops");
        const restored = await client.restoreCertificateBackup(backup);
        assert.equal(restored.name, "ops");
        // Contacts and issuers.
        assert.deepEqual(await client.setContacts([{ email: "pki@example.com", name: "PKI" }]), [
          { email: "pki@example.com", name: "PKI" },
        ]);
        assert.equal((await client.getContacts())[0]!.email, "pki@example.com");
        await client.deleteContacts();
        await assert.rejects(() => client.getContacts(), { status: 404 });
        await client.createIssuer("ca", { provider: "Test", accountId: "acct", password: "p4ss" });
        assert.equal((await client.updateIssuer("ca", { accountId: "acct-2" })).accountId, "acct-2");
        const issuers = [];
        for await (const i of client.listPropertiesOfIssuers()) issuers.push(`${i.name}:${i.provider}`);
        assert.deepEqual(issuers, ["ca:Test"]);
        assert.equal(JSON.stringify(await client.getIssuer("ca")).includes("p4ss"), false, "the password never comes back");
        await client.deleteIssuer("ca");
        // The pending operation: issuer Unknown stays pending; cancel, then delete it.
        const unknown = await client.createCertificate("later", { issuerName: "Unknown", subject: "CN=later" });
        assert.ok(unknown.csr && unknown.csr.length > 100);
        assert.equal((await client.cancelCertificateOperation("later")).cancellationRequested, true);
        await client.deleteCertificateOperation("later");
        await assert.rejects(() => client.getCertificateOperation("later"), { status: 404 });
      },
      SLOW,
    );

    t.test(
      "fromKeyVaultCertificate: a token with a non-exportable certificate's key, signed in the vault; a renewal is followed",
      async () => {
        const { emu, client } = vault("centra");
        const policy = { issuerName: "Self", subject: "CN=app-credential", keyType: "RSA", exportable: false };
        await client.createCertificate("app-credential", policy, { wait: true });
        const jwkOf = async () => {
          const { keyId } = await client.getCertificate("app-credential");
          const { key } = await lib.keys.getKey(client, keyId!);
          return { key, keyId: keyId! };
        };
        const first = await jwkOf();
        assert.equal(first.key.d, undefined, "the vault never gives the private key");
        assert.equal((await client.getCertificatePolicy("app-credential")).exportable, false);
        emu.registerClient({ clientId: "kv-cert-app", publicKeyJwk: { kty: "RSA", n: first.key.n!, e: first.key.e! } });
        const authority = recordingFetch((req) => emu.fetch(req));
        const getToken = lib.entra.fromKeyVaultCertificate({
          tenantId: emu.tenantId,
          clientId: "kv-cert-app",
          client,
          certificate: "app-credential",
          certificateRefreshMs: 0,
          fetch: authority.fetch,
        });
        const token = await getToken({ scopes: ["https://vault.azure.net/.default"] });
        assert.equal(decodeJwt(lib, token.token).claims.appid, "kv-cert-app");
        const header = (i: number) => decodeJwt(lib, new URLSearchParams(authority.seen[i]!.body).get("client_assertion")!).header;
        assert.equal(header(0).kid, first.keyId);
        assert.equal(
          header(0)["x5t#S256"],
          lib.core.base64UrlEncode(
            new Uint8Array(await crypto.subtle.digest("SHA-256", (await client.getCertificate("app-credential")).cer)),
          ),
        );
        // Renewed: a new version with a new key; the provider signs with it once registered.
        await client.createCertificate("app-credential", policy, { wait: true });
        const second = await jwkOf();
        assert.notEqual(second.keyId, first.keyId);
        emu.registerClient({ clientId: "kv-cert-app", publicKeyJwk: [{ kty: "RSA", n: second.key.n!, e: second.key.e! }] });
        await getToken({ scopes: ["https://graph.microsoft.com/.default"] });
        assert.equal(header(1).kid, second.keyId, "the renewed version signs");
      },
      SLOW,
    );
  });
}
