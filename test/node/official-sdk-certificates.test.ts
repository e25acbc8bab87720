// Proof of fidelity for certificates: the official @azure/keyvault-certificates CertificateClient
// (with SecretClient and CryptographyClient for the linked secret and key), unmodified and with
// default options, against the emulator server over HTTPS, with Self certificates issued after a
// delay as the service's are. The SDK runs in a child process that trusts the server's certificate;
// each check it reports is a test. (Python's azure-keyvault-certificates cannot be installed here:
// no PyPI access.)
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { startEmulatorServer } from "@keyvault-fetch/emulator/server";
import { assertPassed, runSdkScript, type SdkRun } from "./official-sdk-run.js";

/** What official-sdk-certificates-client.mjs checks, in its order; each becomes one test here. */
export const CERTIFICATE_CHECKS = [
  "beginCreateCertificate (Self, RSA 2048 default policy) polls the operation until completed",
  "EC P-256, P-384 and P-521 with subject, SANs, key usage, EKUs and validity_months",
  "getCertificate and getCertificateVersion; parseKeyVaultCertificateIdentifier reads the id",
  "the linked key (kid) signs through CryptographyClient; the certificate's public key verifies it",
  "the managed secret (sid): PKCS#12 that Node's TLS loads, and PEM by content type and by outContentType",
  "getCertificatePolicy and updateCertificatePolicy; the next version uses the new subject",
  "updateCertificateProperties: tags and enabled",
  "listPropertiesOfCertificates (includePending, by page) and listPropertiesOfCertificateVersions",
  "issuer Unknown: the CSR signed by an outside CA (openssl) is merged; the certificate operation is completed",
  "cancelCertificateOperation and deleteCertificateOperation",
  "importCertificate: PKCS#12 from openssl (AES, with a password; 3DES legacy form) and PEM with the key after the certificate",
  "backupCertificate, delete and purge, then restoreCertificateBackup brings it back with its key and secret",
  "beginDeleteCertificate polls; getDeletedCertificate and listDeletedCertificates; beginRecoverDeletedCertificate",
  "purgeDeletedCertificate removes a deleted certificate for good (then 404 CertificateNotFound)",
  "setContacts, getContacts, deleteContacts (then 404 ContactsNotFound)",
  "createIssuer, getIssuer, updateIssuer, listPropertiesOfIssuers, deleteIssuer",
  "error 404: getCertificate of a missing certificate is CertificateNotFound; restore of junk is 'Malformed backup blob'",
];

async function runSdk(): Promise<SdkRun & { polls: number }> {
  // Self certificates are issued 1.5 s and deletions complete 300 ms after they are asked for, so the pollers poll.
  const server = await startEmulatorServer({
    name: "sdk-certs",
    vaultHost: "sdk-certs.vault.localhost",
    emulator: { deletionDelayMs: 300, certificateDelayMs: 1500 },
  });
  const run = await runSdkScript("test/node/official-sdk-certificates-client.mjs", server, { timeoutMs: 240_000 });
  const polls = server.emulator.requests.filter((r) => r.method === "GET" && /-rsa\/pending\?/.test(r.url) && r.status === 200).length;
  return { ...run, polls };
}

const suite: SuiteFile = (t) => {
  let run: ReturnType<typeof runSdk> | undefined;
  const sdkRun = () => (run ??= runSdk());
  t.group("official @azure/keyvault-certificates against the emulator server (HTTPS)", () => {
    t.test(
      "runs and reports exactly the expected checks; the create poller polled the operation while it was in progress",
      async () => {
        const { reports, polls } = await sdkRun();
        assert.deepEqual([...reports.keys()], CERTIFICATE_CHECKS);
        assert.ok(polls > 1, `GET /certificates/{name}/pending answered ${polls} times`);
      },
      { timeoutMs: 250_000 },
    );
    for (const check of CERTIFICATE_CHECKS) {
      t.test(
        check,
        async () => {
          assertPassed(await sdkRun(), check);
        },
        { timeoutMs: 250_000 },
      );
    }
  });
};
export default suite;
