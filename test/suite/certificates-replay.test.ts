// The real recorded certificates sessions replayed through the typed helpers: each helper must
// send the recorded request (method, path, query, body) and turn the recorded answer into the
// right result. The SDK that recorded them also sent empty objects (`key_props: {}`) and polled
// differently; bodies are compared with empty members dropped, and the SDK's extra looks are named.
import type { Lib, Recording, Registrar } from "./harness.js";
import * as assert from "./assert.js";
import { assertReplayed, replayFetch } from "./replay.js";

const TOKEN = "replay-token";
const FAST = { wait: { intervalMs: 1 } } as const;

/** Drops empty objects and arrays, recursively: `{ key_props: {} }` and `{}` say the same. */
export function pruneEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pruneEmpty);
  if (!value || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const p = pruneEmpty(v);
    if (p && typeof p === "object" && !Array.isArray(p) && !Object.keys(p).length) continue;
    out[k] = p;
  }
  return out;
}

export function certificatesReplay(t: Registrar, lib: Lib): void {
  const { CertificateClient, parseCertificate, certificateThumbprints } = lib.certificates;
  const { clearChallengeCache, base64UrlDecode, KeyVaultError } = lib.core;

  function setup(name: string) {
    const recording = lib.fixtures.recordings[name] as Recording;
    assert.ok(recording, `recording ${name}`);
    const vaultUrl = new URL(recording.Entries[0]!.RequestUri).origin;
    clearChallengeCache(vaultUrl);
    const replay = replayFetch(recording);
    const client = new CertificateClient(vaultUrl, { getToken: () => TOKEN, fetch: replay.fetch, retry: false });
    const entry = (i: number) => recording.Entries[i]!;
    const certName = decodeURIComponent(new URL(entry(0).RequestUri).pathname.split("/")[2]!);
    /** What was sent: in recorded order, with the token, bodies as recorded; every exchange used but `skipped` (the SDK's own looks). */
    const done = (skipped: number[] = []) => assertReplayed(replay, TOKEN, { normalize: pruneEmpty, skipped });
    return { recording, client, entry, done, certName, vaultUrl };
  }
  const SELF = { issuerName: "Self", subject: "cn=MyCert" } as const;

  t.group("certificates replay", () => {
    t.test("createCertificate returns the pending operation; { wait } looks until completed; getCertificate reads it", async () => {
      const { client, done, certName, entry, vaultUrl } = setup("certificates__create-polled");
      const operation = await client.createCertificate(certName, SELF);
      assert.deepEqual(
        [operation.status, operation.name, operation.issuerName, operation.vaultUrl],
        ["inProgress", certName, "Self", vaultUrl],
      );
      assert.ok(operation.csr && operation.csr.length > 100, "the CSR as bytes");
      const finished = await client.getCertificateOperation(certName, FAST);
      assert.equal(finished.status, "completed");
      const certificate = await client.getCertificate(certName);
      const bundle = entry(5).ResponseBody as { cer: string; x5t: string; attributes: { nbf: number; exp: number } };
      assert.equal(certificate.properties.version, "94f8c4ccd49d46dfb2d1778610039040");
      assert.deepEqual(certificate.cer, base64UrlDecode(bundle.cer));
      assert.equal(certificate.keyId, `${vaultUrl}/keys/${certName}/94f8c4ccd49d46dfb2d1778610039040`);
      assert.deepEqual(
        [certificate.policy?.keyType, certificate.policy?.keySize, certificate.policy?.exportable, certificate.policy?.contentType],
        ["RSA", 2048, true, "application/x-pkcs12"],
      );
      assert.deepEqual(certificate.policy?.lifetimeActions, [{ action: "AutoRenew", lifetimePercentage: 80 }]);
      assert.equal(certificate.properties.notBefore?.getTime(), bundle.attributes.nbf * 1000);
      // The DER reader agrees with the service on thumbprint and validity.
      const info = parseCertificate(certificate.cer);
      assert.equal((await certificateThumbprints(certificate.cer)).x5t, bundle.x5t);
      assert.deepEqual(
        [info.subject, info.notBefore.getTime(), info.notAfter.getTime()],
        ["CN=MyCert", bundle.attributes.nbf * 1000, bundle.attributes.exp * 1000],
      );
      done();
    });

    t.test("a certificate read while its creation is pending: disabled, no bytes", async () => {
      const { client, done, certName } = setup("certificates__get-while-pending");
      await client.createCertificate(certName, SELF);
      assert.equal((await client.getCertificateOperation(certName)).status, "inProgress");
      const pending = await client.getCertificate(certName);
      assert.deepEqual([pending.properties.enabled, pending.cer.length, pending.keyId], [false, 0, undefined]);
      done();
    });

    t.test("deleteCertificate with { wait } looks at the deleted certificate until it is there", async () => {
      const { client, done, certName } = setup("certificates__delete-polled");
      await client.createCertificate(certName, SELF);
      await client.getCertificateOperation(certName);
      const deleted = await client.deleteCertificate(certName, FAST);
      assert.equal(deleted.name, certName);
      assert.equal(deleted.scheduledPurgeDate?.getTime(), 1777742975000);
      assert.ok(deleted.recoveryId?.endsWith(`/deletedcertificates/${certName}`));
      done([5]); // the SDK also looked at /certificates/{name}/
    });

    t.test("getCertificate of an unknown name: the service's 404 as a KeyVaultError", async () => {
      const { client, done, certName } = setup("certificates__get-nonexistent-404");
      const e = await assert.rejects(() => client.getCertificate(certName), {
        name: "KeyVaultError",
        status: 404,
        code: "CertificateNotFound",
      });
      assert.ok(e instanceof KeyVaultError);
      done();
    });

    t.test("contacts: set, get, delete, then a 404 ContactsNotFound", async () => {
      const { client, done, entry } = setup("certificates__contacts-set-get-delete");
      const contacts = (entry(1).RequestBody as { contacts: { email: string; name: string; phone: string }[] }).contacts;
      assert.deepEqual(await client.setContacts(contacts), contacts);
      assert.deepEqual(await client.getContacts(), contacts);
      assert.deepEqual(await client.deleteContacts(), contacts);
      await assert.rejects(() => client.getContacts(), { status: 404, code: "ContactsNotFound" });
      done();
    });

    t.test("issuers: create, use in a policy, get, update, delete, then 404", async () => {
      const { client, done, entry } = setup("certificates__issuer-crud");
      const certName = decodeURIComponent(new URL(entry(0).RequestUri).pathname.split("/")[3]!);
      const admin = { firstName: "John", lastName: "Doe", email: "admin@microsoft.com", phone: "4255555555" };
      const created = await client.createIssuer(certName, { provider: "Test", accountId: "keyvaultuser", administratorContacts: [admin] });
      assert.deepEqual([created.name, created.provider, created.accountId, created.enabled], [certName, "Test", "keyvaultuser", true]);
      assert.deepEqual(created.administratorContacts, [admin]);
      const operation = await client.createCertificate(certName, { issuerName: certName, subject: "cn=MyCert" });
      assert.equal(operation.issuerName, certName);
      await client.getCertificateOperation(certName);
      await client.getCertificate(certName);
      assert.equal((await client.getIssuer(certName)).accountId, "keyvaultuser");
      const updated = await client.updateIssuer(certName, { accountId: "keyvaultuser2", administratorContacts: [admin] });
      assert.equal(updated.accountId, "keyvaultuser2");
      assert.equal((await client.getIssuer(certName)).accountId, "keyvaultuser2");
      assert.equal((await client.deleteIssuer(certName)).name, certName);
      await assert.rejects(() => client.getIssuer(certName), { status: 404, code: "CertificateIssuerNotFound" });
      done();
    });

    t.test("issuer Unknown: pending until mergeCertificate, which answers the certificate", async () => {
      const { client, done, certName, entry } = setup("certificates__merge-self-signed");
      const operation = await client.createCertificate(certName, {
        issuerName: "Unknown",
        subject: "cn=MyCert",
        certificateTransparency: false,
      });
      assert.equal(operation.issuerName, "Unknown");
      await client.getCertificateOperation(certName);
      await client.getCertificate(certName);
      await client.getCertificateOperation(certName);
      const x5c = (entry(5).RequestBody as { x5c: string[] }).x5c.map((b) => base64UrlDecode(b));
      const merged = await client.mergeCertificate(certName, x5c);
      assert.equal(merged.properties.version, "868599a9450b4a1fb1222469fcb7158f");
      assert.ok(merged.cer.length > 300);
      done();
    });

    t.test("cancelCertificateOperation and deleteCertificateOperation, then the operation is gone", async () => {
      const { client, done, certName } = setup("certificates__operation-cancel-delete");
      await client.createCertificate(certName, SELF);
      await client.getCertificateOperation(certName);
      await client.getCertificate(certName);
      await client.getCertificateOperation(certName);
      assert.equal((await client.cancelCertificateOperation(certName)).cancellationRequested, true);
      assert.equal((await client.deleteCertificateOperation(certName)).name, certName);
      await client.getCertificate(certName);
      await assert.rejects(() => client.getCertificateOperation(certName), { status: 404, code: "PendingCertificateNotFound" });
      done();
    });

    t.test("restoreCertificateBackup of a malformed blob: the service's 400", async () => {
      const { client, done, entry } = setup("certificates__restore-malformed-400");
      const blob = base64UrlDecode((entry(1).RequestBody as { value: string }).value);
      await assert.rejects(() => client.restoreCertificateBackup(blob), { status: 400, code: "Malformed backup blob" });
      done();
    });

    t.test("updateCertificatePolicy sends only what changes and reads back the whole policy", async () => {
      const { client, done, certName } = setup("certificates__update-policy");
      await client.createCertificate(certName, SELF);
      await client.getCertificateOperation(certName);
      await client.getCertificate(certName);
      const policy = await client.updateCertificatePolicy(certName, { issuerName: "Self", subject: "cn=MyOtherCert" });
      assert.deepEqual(
        [policy.subject, policy.keyType, policy.validityInMonths, policy.enhancedKeyUsage?.length, policy.keyUsage],
        ["cn=MyOtherCert", "RSA", 12, 2, ["digitalSignature", "keyEncipherment"]],
      );
      assert.equal((await client.getCertificate(certName)).policy?.subject, "cn=MyOtherCert");
      done();
    });

    t.test("importCertificate of a PFX (bytes) sends it as base64 and reads the imported certificate", async () => {
      const { client, done, certName, entry, recording } = setup("certificates__import-pfx");
      await client.createCertificate(certName, SELF);
      await client.getCertificateOperation(certName, FAST);
      await client.getCertificate(certName);
      const { value } = await lib.secrets.getSecret(client, certName);
      const imported = await client.importCertificate(certName.replace(/-0$/, "-1"), base64UrlDecode(value));
      const last = recording.Entries.length - 1;
      assert.equal(imported.properties.version, "255414597bfe415385f63092e8a638b5");
      assert.deepEqual(imported.cer, base64UrlDecode((entry(last).ResponseBody as { cer: string }).cer));
      done();
    });

    t.test("the certificate's secret as PEM: getCertificateWithKey's key signs, the certificate's public key verifies", async () => {
      const { entry, recording } = setup("certificates__get-secret-pem");
      const last = recording.Entries.length - 1;
      const secret = entry(last).ResponseBody as { value: string; id: string; kid: string };
      const bundle = entry(last - 3).ResponseBody as { cer: string; x5t: string };
      // The recorded session read the secret without outContentType: serve that answer to our PEM request.
      let asked = "";
      const client = new lib.core.KeyVaultClient("https://pem.vault.azure.net", {
        getToken: () => TOKEN,
        challenge: { scope: "https://vault.azure.net/.default" },
        fetch: async (input, init) => {
          const url = new URL(new Request(input, init).url);
          asked = url.pathname + url.search;
          return Response.json({ ...secret, id: `https://pem.vault.azure.net/secrets/web/${secret.id.split("/").pop()}` });
        },
      });
      const withKey = await lib.certificates.getCertificateWithKey(client, "web");
      assert.equal(asked, "/secrets/web/?api-version=2025-07-01&outContentType=application%2Fx-pem-file");
      assert.deepEqual(withKey.certificate, base64UrlDecode(bundle.cer), "the leaf is the certificate the vault made");
      assert.equal(withKey.x5t, bundle.x5t);
      assert.deepEqual([withKey.privateKey.extractable, withKey.privateKey.type, withKey.subject], [false, "private", "CN=MyCert"]);
      const data = new TextEncoder().encode("signed with a vault certificate's key");
      const signature = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", withKey.privateKey as CryptoKey, data);
      const publicKey = (await lib.certificates.importCertificatePublicKey(base64UrlDecode(bundle.cer))) as CryptoKey;
      assert.ok(await crypto.subtle.verify("RSASSA-PKCS1-v1_5", publicKey, signature, data), "verifies under the certificate's public key");
      assert.match(withKey.pem.privateKey, /^-----BEGIN PRIVATE KEY-----\n/);
      assert.equal(withKey.version, secret.id.split("/").pop());
    });
  });
}
