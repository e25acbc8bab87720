// Proof of fidelity: the official @azure/identity ClientSecretCredential and @azure/keyvault-keys
// KeyClient + CryptographyClient, unmodified and with default options (challenge resource
// verification on), against the emulator server over HTTPS. The SDK runs in a child process that
// trusts the server's self-signed certificate (NODE_EXTRA_CA_CERTS); each check it reports is a test.
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { startEmulatorServer } from "keyvault-fetch/emulator/server";
import { runNodeScript } from "./child.js";

/** What official-sdk-client.mjs checks, in its order; each becomes one test here. */
export const CHECKS = [
  "ClientSecretCredential gets a token from the emulated authority",
  "createRsaKey (RSA 2048) passes the challenge with resource verification on",
  "createEcKey (P-256) returns the public point only",
  "getKey: latest version and a given version",
  "CAE: after the parent revokes the session, the SDK answers the insufficient_claims challenge",
  "sign and verify RS256 (digest) with CryptographyClient; node:crypto verifies too",
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

interface Report { check: string; ok: boolean; error?: string }

const suite: SuiteFile = (t) => {
  // One SDK run serves every test below; the first test starts it, the others read its report.
  let run: Promise<{ reports: Map<string, Report>; afterRevocation: string[] }> | undefined;
  const sdkRun = () => (run ??= (async () => {
    const server = await startEmulatorServer({ name: "sdk-fidelity", vaultHost: "sdk-fidelity.vault.localhost" });
    try {
      let revokedAt = -1;
      const out = await runNodeScript("test/node/official-sdk-client.mjs", {
        certificate: server.certificate!, resolveLocalhost: true, env: server.env, timeoutMs: 60_000,
        onLine: (line, reply) => {
          if (line !== JSON.stringify({ request: "revoke-sessions" })) return;
          revokedAt = server.emulator.requests.length;
          server.emulator.revokeSessions();
          reply("done");
        },
      }).catch((e: Error) => ({ stdout: e.message, stderr: "" }));
      const reports = new Map<string, Report>();
      for (const line of out.stdout.split("\n")) {
        if (!line.startsWith("{")) continue;
        const r = JSON.parse(line) as Report;
        if (typeof r.check === "string") reports.set(r.check, r);
      }
      if (reports.size === 0) throw new Error(`the SDK run reported nothing:\n${out.stdout}`);
      // What crossed the wire right after the revocation: the CAE round trip, as the server saw it.
      const afterRevocation = revokedAt < 0 ? [] : server.emulator.requests.slice(revokedAt, revokedAt + 3)
        .map((r) => `${r.target} ${r.method} ${r.status}`);
      return { reports, afterRevocation };
    } finally {
      await server.close();
    }
  })());

  t.group("official Azure SDK against the emulator server (HTTPS)", () => {
    t.test("runs and reports exactly the expected checks", async () => {
      const { reports } = await sdkRun();
      assert.deepEqual([...reports.keys()], CHECKS);
    }, { timeoutMs: 70_000 });
    for (const check of CHECKS) {
      t.test(check, async () => {
        const report = (await sdkRun()).reports.get(check);
        assert.ok(report, "reported");
        if (!report.ok) throw new Error(report.error);
        if (check.startsWith("CAE")) {
          assert.deepEqual((await sdkRun()).afterRevocation, ["vault GET 401", "authority POST 200", "vault GET 200"]);
        }
      });
    }
  });
};
export default suite;
