// Proof of fidelity: the official @azure/identity ClientSecretCredential and @azure/keyvault-keys
// KeyClient + CryptographyClient, unmodified and with default options (challenge resource
// verification on), against the emulator server over HTTPS. The SDK runs in a child process that
// trusts the server's self-signed certificate (NODE_EXTRA_CA_CERTS); each check it reports is a test.
import type { Registrar, SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { startEmulatorServer } from "@keyvault-fetch/emulator/server";
import { assertPassed, runSdkScript, type SdkRequests, type SdkRun } from "./official-sdk-run.js";

/** What official-sdk-client.mjs checks, in its order; each becomes one test here. */
export const CHECKS = [
  "ClientSecretCredential gets a token from the emulated authority",
  "createRsaKey (RSA 2048) passes the challenge with resource verification on",
  "createEcKey (P-256) returns the public point only",
  "getKey: latest version and a given version",
  "CAE: after the parent revokes the session, the SDK answers the insufficient_claims challenge",
  "sign and verify RS256 (digest) with CryptographyClient; node:crypto verifies too",
  "throttling: a 429 with Retry-After on sign is retried by the SDK after the delay",
  "signData and verifyData RS256 (the SDK verifies locally with the returned public key)",
  "sign PS256 (digest); verify in the vault and with node:crypto (PSS)",
  "sign and verify ES256 (raw r||s) with CryptographyClient; node:crypto verifies too",
  "encrypt and decrypt RSA-OAEP, RSA-OAEP-256 and RSA1_5",
  "wrapKey and unwrapKey RSA-OAEP-256",
  "listPropertiesOfKeys pages through nextLink (maxPageSize 2)",
  "updateKeyProperties: tags, enabled false refuses sign with 403 Forbidden",
  "rotateKey makes a new version; listPropertiesOfKeyVersions shows both",
  "updateKeyRotationPolicy and getKeyRotationPolicy",
  "beginDeleteKey, getDeletedKey, listDeletedKeys, beginRecoverDeletedKey",
  "purgeDeletedKey removes a deleted key for good (then 404)",
  "backupKey, then restoreKeyBackup into the purged name",
  "error 404: getKey of a missing key is KeyNotFound",
  "error 409: creating over a deleted, recoverable key is Conflict",
  "error 400: an invalid key name is BadParameter",
  "error 400: a digest of the wrong length is BadParameter",
];

/** What official-sdk-hsm-client.mjs checks against a Managed HSM. */
export const HSM_CHECKS = [
  "createOctKey (oct-HSM, 256 bits) through the Managed HSM challenge",
  "encrypt and decrypt A256GCM (service-made iv and tag, with AAD)",
  "encrypt and decrypt A256CBCPAD (the caller's iv; without one the service says 400)",
  "wrapKey and unwrapKey A256KW",
  "EC-HSM P-384: sign and verify ES384",
  "getRandomBytes (Managed HSM /rng)",
  "error 400: getRandomBytes(129) is BadParameter",
];

/** What the child may ask of the test process, mid-run: things only the server side can do. */
const REQUESTS: SdkRequests = {
  "revoke-sessions": (server) => {
    server.emulator.revokeSessions();
    return "done";
  },
  "throttle-next-sign": (server) => {
    server.emulator.faults.add({ route: "POST /keys/**/sign", status: 429, retryAfter: 1 });
    return "done";
  },
};

/** One test per check; the first test starts the run that all of them read. */
function sdkGroup(t: Registrar, title: string, checks: string[], start: () => Promise<SdkRun>): void {
  let run: Promise<SdkRun> | undefined;
  const sdkRun = () => (run ??= start());
  t.group(title, () => {
    t.test(
      "runs and reports exactly the expected checks",
      async () => {
        const { reports } = await sdkRun();
        assert.deepEqual([...reports.keys()], checks);
      },
      { timeoutMs: 70_000 },
    );
    for (const check of checks) {
      t.test(check, async () => {
        assertPassed(await sdkRun(), check);
        const { after } = await sdkRun();
        if (check.startsWith("CAE")) assert.deepEqual(after["revoke-sessions"], ["vault GET 401", "authority POST 200", "vault GET 200"]);
        if (check.startsWith("throttling"))
          assert.deepEqual(after["throttle-next-sign"]?.slice(0, 2), ["vault POST 429", "vault POST 200"]);
      });
    }
  });
}

const suite: SuiteFile = (t) => {
  sdkGroup(t, "official Azure SDK against the emulator server (HTTPS)", CHECKS, async () =>
    runSdkScript(
      "test/node/official-sdk-client.mjs",
      await startEmulatorServer({ name: "sdk-fidelity", vaultHost: "sdk-fidelity.vault.localhost" }),
      { requests: REQUESTS },
    ),
  );
  sdkGroup(t, "official Azure SDK against the emulator server as a Managed HSM (HTTPS)", HSM_CHECKS, async () =>
    runSdkScript(
      "test/node/official-sdk-hsm-client.mjs",
      await startEmulatorServer({ name: "sdk-hsm", managedHsm: true, vaultHost: "sdk-hsm.managedhsm.localhost" }),
      { requests: REQUESTS },
    ),
  );
};
export default suite;
