// Runs the official, unmodified @azure/keyvault-certificates (with @azure/keyvault-secrets and the
// keys SDK's CryptographyClient for the linked secret and key) against the emulator server named by
// the environment. Prints one JSON line per check (sdk-report.mjs). Certificates from issuer Self
// complete after a delay on the server, so the SDK's pollers really poll. Certificates are checked
// with Node's own X.509 and TLS code and the openssl command, never with the emulator's.
import { execFileSync } from "node:child_process";
import { createHash, createPrivateKey, createPublicKey, X509Certificate, verify as verifySignature } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSecureContext } from "node:tls";
import { CertificateClient, parseKeyVaultCertificateIdentifier } from "@azure/keyvault-certificates";
import { CryptographyClient } from "@azure/keyvault-keys";
import { SecretClient } from "@azure/keyvault-secrets";
import { check as report, expect, finish, rejection, sdkClients } from "./sdk-report.mjs";

/** A check whose failure report says where it failed (the SDK's errors come from deep inside it). */
const check = (name, fn) =>
  report(name, async () => {
    try {
      await fn();
    } catch (e) {
      if (e instanceof Error && !("statusCode" in e))
        e.message += ` | at ${e.stack?.split("\n").slice(1, 3).join(" ").replace(/\s+/g, " ")}`;
      throw e;
    }
  });

const { vaultUrl, credential } = sdkClients();
const client = new CertificateClient(vaultUrl, credential);
const secrets = new SecretClient(vaultUrl, credential);
const poll = { intervalInMs: 100 }; // short poll intervals only; everything else is default
const prefix = `sdk${Date.now().toString(36)}`;
const dir = mkdtempSync(join(tmpdir(), "kv-certs-"));
const openssl = (...args) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
const derOf = (cer) => Buffer.from(cer);
let selfCert;

await check("beginCreateCertificate (Self, RSA 2048 default policy) polls the operation until completed", async () => {
  const poller = await client.beginCreateCertificate(`${prefix}-rsa`, { issuerName: "Self", subject: "CN=sdk.example" }, poll);
  expect(poller.getOperationState().isCompleted !== true, "the operation started in progress");
  selfCert = await poller.pollUntilDone();
  expect(selfCert.name === `${prefix}-rsa` && selfCert.properties.version?.length === 32, `name ${selfCert.name}`);
  const x509 = new X509Certificate(derOf(selfCert.cer));
  expect(x509.subject === "CN=sdk.example" && x509.issuer === "CN=sdk.example", `subject ${x509.subject}`);
  expect(x509.verify(x509.publicKey), "self-signed signature verifies");
  expect(x509.publicKey.asymmetricKeyDetails.modulusLength === 2048, "RSA 2048");
  const x5t = createHash("sha1").update(derOf(selfCert.cer)).digest("base64url");
  expect(Buffer.from(selfCert.properties.x509Thumbprint).toString("base64url") === x5t, "x5t is SHA-1 of cer");
  expect(selfCert.policy?.keyType === "RSA" && selfCert.policy?.contentType === "application/x-pkcs12", "default policy");
});

await check("EC P-256, P-384 and P-521 with subject, SANs, key usage, EKUs and validity_months", async () => {
  for (const curve of ["P-256", "P-384", "P-521"]) {
    const name = `${prefix}-ec${curve.slice(2)}`;
    const poller = await client.beginCreateCertificate(
      name,
      {
        issuerName: "Self",
        subject: "CN=ec.example, O=Contoso",
        subjectAlternativeNames: {
          dnsNames: ["ec.example", "www.ec.example"],
          emails: ["ops@ec.example"],
          userPrincipalNames: ["ops@corp"],
        },
        keyType: "EC",
        keyCurveName: curve,
        keyUsage: ["digitalSignature", "keyAgreement"],
        enhancedKeyUsage: ["1.3.6.1.5.5.7.3.2"],
        validityInMonths: 3,
      },
      poll,
    );
    const cert = await poller.pollUntilDone();
    const x509 = new X509Certificate(derOf(cert.cer));
    expect(
      x509.publicKey.asymmetricKeyDetails.namedCurve === { "P-256": "prime256v1", "P-384": "secp384r1", "P-521": "secp521r1" }[curve],
      curve,
    );
    expect(x509.subjectAltName.includes("DNS:www.ec.example") && x509.subjectAltName.includes("email:ops@ec.example"), x509.subjectAltName);
    expect(x509.keyUsage?.includes("1.3.6.1.5.5.7.3.2"), `EKU ${x509.keyUsage}`);
    const days = (Date.parse(x509.validTo) - Date.parse(x509.validFrom)) / 86400_000;
    expect(days > 88 && days < 94, `validity ${days} days`);
    expect(x509.verify(x509.publicKey), "signature");
    expect(cert.policy.keyCurveName === curve && cert.policy.validityInMonths === 3, "policy");
  }
});

await check("getCertificate and getCertificateVersion; parseKeyVaultCertificateIdentifier reads the id", async () => {
  const got = await client.getCertificate(selfCert.name);
  expect(got.properties.version === selfCert.properties.version, "latest");
  const v = await client.getCertificateVersion(selfCert.name, selfCert.properties.version);
  expect(Buffer.from(v.cer).equals(Buffer.from(selfCert.cer)), "the same cer");
  const id = parseKeyVaultCertificateIdentifier(selfCert.properties.id);
  expect(id.name === selfCert.name && id.version === selfCert.properties.version && id.vaultUrl === vaultUrl, JSON.stringify(id));
});

await check("the linked key (kid) signs through CryptographyClient; the certificate's public key verifies it", async () => {
  const crypto = new CryptographyClient(selfCert.keyId, credential);
  const digest = createHash("sha256").update("hello").digest();
  const { result } = await crypto.sign("RS256", digest);
  const x509 = new X509Certificate(derOf(selfCert.cer));
  expect(verifySignature("sha256", Buffer.from("hello"), x509.publicKey, Buffer.from(result)), "signature verifies with the certificate");
  const wrapped = await crypto.wrapKey("RSA-OAEP", Buffer.from("0123456789abcdef"));
  const unwrapped = await crypto.unwrapKey("RSA-OAEP", wrapped.result);
  expect(Buffer.from(unwrapped.result).toString() === "0123456789abcdef", "wrap and unwrap");
});

await check("the managed secret (sid): PKCS#12 that Node's TLS loads, and PEM by content type and by outContentType", async () => {
  const pfx = await secrets.getSecret(selfCert.name);
  expect(pfx.properties.contentType === "application/x-pkcs12" && pfx.properties.managed === true, "managed PKCS#12");
  createSecureContext({ pfx: Buffer.from(pfx.value, "base64") });
  const poller = await client.beginCreateCertificate(
    `${prefix}-pem`,
    { issuerName: "Self", subject: "CN=pem", contentType: "application/x-pem-file" },
    poll,
  );
  await poller.pollUntilDone();
  const pem = (await secrets.getSecret(`${prefix}-pem`)).value;
  const key = createPrivateKey(pem);
  const cert = new X509Certificate(pem);
  expect(
    createPublicKey(key)
      .export({ format: "der", type: "spki" })
      .equals(cert.publicKey.export({ format: "der", type: "spki" })),
    "key matches",
  );
  const res = await fetchSecretAsPem(pfx.properties.id);
  expect(typeof res === "string", `outContentType answer ${JSON.stringify(res)}`);
  expect(
    res.includes("-----BEGIN PRIVATE KEY-----") &&
      new X509Certificate(res).fingerprint256 === new X509Certificate(derOf(selfCert.cer)).fingerprint256,
    "converted",
  );
  const refused = await rejection(() => secrets.setSecret(selfCert.name, "x"));
  expect(refused.statusCode === 403, `set on a managed secret: ${refused.statusCode}`);
});

/** GET /secrets/{name}?outContentType=… (the SDK has no option for it), with a token for the resource the vault's challenge names. */
async function fetchSecretAsPem(id) {
  const challenge = (await fetch(`${id}?api-version=2025-07-01`)).headers.get("www-authenticate") ?? "";
  const resource = /resource="([^"]+)"/.exec(challenge)?.[1];
  const token = await credential.getToken(`${resource}/.default`);
  const res = await fetch(`${id}?api-version=2025-07-01&outContentType=application%2Fx-pem-file`, {
    headers: { authorization: `Bearer ${token.token}` },
  });
  const body = await res.json();
  return body.value ?? body;
}

await check("getCertificatePolicy and updateCertificatePolicy; the next version uses the new subject", async () => {
  const policy = await client.getCertificatePolicy(selfCert.name);
  expect(policy.subject === "CN=sdk.example", `subject ${policy.subject}`);
  // SDK 4.10.3 answers updateCertificatePolicy with {} whatever the service says (it never reads the body): read it back.
  await client.updateCertificatePolicy(selfCert.name, { ...policy, subject: "CN=renamed.example" });
  const updated = await client.getCertificatePolicy(selfCert.name);
  expect(updated.subject === "CN=renamed.example" && updated.keySize === 2048, `updated ${JSON.stringify(updated)}`);
  const next = await (await client.beginCreateCertificate(selfCert.name, updated, poll)).pollUntilDone();
  expect(new X509Certificate(derOf(next.cer)).subject === "CN=renamed.example", "second version's subject");
});

await check("updateCertificateProperties: tags and enabled", async () => {
  const updated = await client.updateCertificateProperties(selfCert.name, selfCert.properties.version, {
    tags: { team: "pay" },
    enabled: false,
  });
  expect(updated.properties.tags?.team === "pay" && updated.properties.enabled === false, "tags, enabled");
});

await check("listPropertiesOfCertificates (includePending, by page) and listPropertiesOfCertificateVersions", async () => {
  const names = [];
  for await (const page of client.listPropertiesOfCertificates({ includePending: true }).byPage({ maxPageSize: 2 }))
    names.push(...page.map((p) => p.name));
  expect(names.includes(selfCert.name) && names.includes(`${prefix}-ec256`), names.join());
  const versions = [];
  for await (const v of client.listPropertiesOfCertificateVersions(selfCert.name)) versions.push(v.version);
  expect(versions.length === 2, `versions ${versions.length}`);
});

await check("issuer Unknown: the CSR signed by an outside CA (openssl) is merged; the certificate operation is completed", async () => {
  const name = `${prefix}-merge`;
  await client.beginCreateCertificate(name, { issuerName: "Unknown", subject: "CN=merged.example" }, poll);
  const op = await client.getCertificateOperation(name);
  const state = op.getOperationState().certificateOperation;
  expect(state.status === "inProgress" && state.csr?.length > 0, `status ${state.status}`);
  writeFileSync(join(dir, "req.der"), Buffer.from(state.csr));
  openssl(
    "req",
    "-new",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-subj",
    "/CN=Outside CA",
    "-days",
    "30",
  );
  openssl("req", "-in", "req.der", "-inform", "DER", "-out", "req.pem");
  openssl("x509", "-req", "-in", "req.pem", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "leaf.pem", "-days", "30");
  const leaf = new X509Certificate(readFileSync(join(dir, "leaf.pem")));
  const merged = await client.mergeCertificate(name, [leaf.raw, new X509Certificate(readFileSync(join(dir, "ca.pem"))).raw]);
  expect(new X509Certificate(derOf(merged.cer)).issuer === "CN=Outside CA", "merged");
  const done = await client.getCertificateOperation(name);
  expect(done.getOperationState().certificateOperation.status === "completed", "completed");
  const pfx = (await secrets.getSecret(name)).value;
  createSecureContext({ pfx: Buffer.from(pfx, "base64") });
  const wrong = `${prefix}-wrong`;
  await client.beginCreateCertificate(wrong, { issuerName: "Unknown", subject: "CN=x" }, poll);
  const mismatch = await rejection(() => client.mergeCertificate(wrong, [leaf.raw]));
  expect(mismatch.statusCode === 400, `merge with another key: ${mismatch.statusCode}`);
});

await check("cancelCertificateOperation and deleteCertificateOperation", async () => {
  const name = `${prefix}-wrong`;
  const poller = await client.getCertificateOperation(name);
  await poller.cancelOperation();
  expect(poller.getOperationState().certificateOperation.cancellationRequested === true, "cancellation requested");
  await client.deleteCertificateOperation(name);
  const gone = await rejection(() => client.getCertificateOperation(name));
  expect(gone.statusCode === 404 && gone.code === "PendingCertificateNotFound", `${gone.statusCode} ${gone.code}`);
});

await check(
  "importCertificate: PKCS#12 from openssl (AES, with a password; 3DES legacy form) and PEM with the key after the certificate",
  async () => {
    openssl(
      "req",
      "-new",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-384",
      "-nodes",
      "-keyout",
      "imp.key",
      "-out",
      "imp.pem",
      "-subj",
      "/CN=imported.example",
      "-days",
      "60",
    );
    openssl("pkcs12", "-export", "-in", "imp.pem", "-inkey", "imp.key", "-passout", "pass:s3cret", "-out", "aes.p12");
    openssl(
      "pkcs12",
      "-export",
      "-in",
      "imp.pem",
      "-inkey",
      "imp.key",
      "-passout",
      "pass:",
      "-certpbe",
      "PBE-SHA1-3DES",
      "-keypbe",
      "PBE-SHA1-3DES",
      "-macalg",
      "sha1",
      "-out",
      "3des.p12",
    );
    const fingerprint = new X509Certificate(readFileSync(join(dir, "imp.pem"))).fingerprint256;
    const aes = await client.importCertificate(`${prefix}-aes`, readFileSync(join(dir, "aes.p12")), { password: "s3cret" });
    expect(new X509Certificate(derOf(aes.cer)).fingerprint256 === fingerprint && aes.policy.issuerName === "Unknown", "AES PKCS#12");
    const des = await client.importCertificate(`${prefix}-3des`, readFileSync(join(dir, "3des.p12")));
    expect(new X509Certificate(derOf(des.cer)).fingerprint256 === fingerprint && des.policy.keyCurveName === "P-384", "3DES PKCS#12");
    const pemText = `${readFileSync(join(dir, "imp.pem"), "utf8")}${readFileSync(join(dir, "imp.key"), "utf8")}`;
    const pem = await client.importCertificate(`${prefix}-pemimp`, Buffer.from(pemText), {
      policy: { contentType: "application/x-pem-file" },
    });
    expect(new X509Certificate(derOf(pem.cer)).fingerprint256 === fingerprint, "PEM");
    const wrongPassword = await rejection(() =>
      client.importCertificate(`${prefix}-bad`, readFileSync(join(dir, "aes.p12")), { password: "nope" }),
    );
    expect(wrongPassword.statusCode === 400, `wrong password: ${wrongPassword.statusCode}`);
    const junk = await rejection(() => client.importCertificate(`${prefix}-bad`, Buffer.from("junk")));
    expect(junk.statusCode === 400, `junk: ${junk.statusCode}`);
  },
);

await check("backupCertificate, delete and purge, then restoreCertificateBackup brings it back with its key and secret", async () => {
  const name = `${prefix}-ec256`;
  const backup = await client.backupCertificate(name);
  await (await client.beginDeleteCertificate(name, poll)).pollUntilDone();
  await client.purgeDeletedCertificate(name);
  const restored = await client.restoreCertificateBackup(backup);
  expect(restored.name === name, "restored");
  expect((await secrets.getSecret(name)).properties.managed === true, "the secret came back");
});

await check("beginDeleteCertificate polls; getDeletedCertificate and listDeletedCertificates; beginRecoverDeletedCertificate", async () => {
  const name = `${prefix}-ec384`;
  const deleted = await (await client.beginDeleteCertificate(name, poll)).pollUntilDone();
  expect(deleted.recoveryId?.endsWith(`/deletedcertificates/${name}`) && deleted.deletedOn instanceof Date, "deleted");
  expect((await client.getDeletedCertificate(name)).name === name, "getDeletedCertificate");
  const names = [];
  for await (const d of client.listDeletedCertificates()) names.push(d.name);
  expect(names.includes(name), names.join());
  const conflict = await rejection(() => client.beginCreateCertificate(name, { issuerName: "Self", subject: "CN=x" }));
  expect(conflict.statusCode === 409, `create over a deleted name: ${conflict.statusCode}`);
  const recovered = await (await client.beginRecoverDeletedCertificate(name, poll)).pollUntilDone();
  expect(recovered.name === name && (await secrets.getSecret(name)).value.length > 0, "recovered with its secret");
});

await check("purgeDeletedCertificate removes a deleted certificate for good (then 404 CertificateNotFound)", async () => {
  const name = `${prefix}-ec521`;
  await (await client.beginDeleteCertificate(name, poll)).pollUntilDone();
  await client.purgeDeletedCertificate(name);
  const gone = await rejection(() => client.getDeletedCertificate(name));
  expect(gone.statusCode === 404 && gone.code === "CertificateNotFound", `${gone.statusCode} ${gone.code}`);
});

await check("setContacts, getContacts, deleteContacts (then 404 ContactsNotFound)", async () => {
  const set = await client.setContacts([{ email: "a@contoso.com", name: "a", phone: "111" }]);
  expect(set[0].email === "a@contoso.com", "set");
  expect((await client.getContacts())[0].name === "a", "get");
  await client.deleteContacts();
  const gone = await rejection(() => client.getContacts());
  expect(gone.statusCode === 404 && gone.code === "ContactsNotFound", `${gone.statusCode} ${gone.code}`);
});

await check("createIssuer, getIssuer, updateIssuer, listPropertiesOfIssuers, deleteIssuer", async () => {
  const name = `${prefix}-issuer`;
  await client.createIssuer(name, "Test", { accountId: "user", password: "p", administratorContacts: [{ email: "admin@contoso.com" }] });
  expect((await client.getIssuer(name)).provider === "Test", "get");
  expect((await client.updateIssuer(name, { accountId: "user2" })).accountId === "user2", "update");
  const names = [];
  // The SDK's issuer items carry the id and provider only (no name).
  for await (const i of client.listPropertiesOfIssuers()) names.push(i.id);
  expect(names.includes(`${vaultUrl}/certificates/issuers/${name}`), names.join());
  await client.deleteIssuer(name);
  const gone = await rejection(() => client.getIssuer(name));
  expect(gone.statusCode === 404 && gone.code === "CertificateIssuerNotFound", `${gone.statusCode} ${gone.code}`);
});

await check(
  "error 404: getCertificate of a missing certificate is CertificateNotFound; restore of junk is 'Malformed backup blob'",
  async () => {
    const missing = await rejection(() => client.getCertificate(`${prefix}-missing`));
    expect(missing.statusCode === 404 && missing.code === "CertificateNotFound", `${missing.statusCode} ${missing.code}`);
    const junk = await rejection(() => client.restoreCertificateBackup(new Uint8Array(64)));
    expect(junk.statusCode === 400 && junk.code === "Malformed backup blob", `${junk.statusCode} ${junk.code}`);
  },
);

rmSync(dir, { recursive: true, force: true });
finish();
