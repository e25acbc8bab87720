// Proof of fidelity for secrets: the official @azure/identity ClientSecretCredential and
// @azure/keyvault-secrets SecretClient, unmodified and with default options (challenge resource
// verification on), against the emulator server over HTTPS, with deletions completing after a
// delay as the service's do. The SDK runs in a child process that trusts the server's certificate;
// each check it reports is a test.
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { startEmulatorServer } from "@keyvault-fetch/emulator/server";
import { assertPassed, runSdkScript, type SdkRequests, type SdkRun } from "./official-sdk-run.js";

/** What official-sdk-secrets-client.mjs checks, in its order; each becomes one test here. */
export const SECRET_CHECKS = [
  "setSecret passes the challenge with resource verification on and round-trips tags, enabled, notBefore, expiresOn",
  "SDK 4.11.0 drops contentType from setSecret (the body it sent had none); it reads a content type the vault has",
  "setSecret again makes a new version; getSecret reads the latest and a given version",
  "CAE: after the parent revokes the session, the SDK answers the insufficient_claims challenge",
  "throttling: a 429 with Retry-After on setSecret is retried by the SDK after the delay",
  "updateSecretProperties changes tags and enabled, keeps the value; a disabled secret's get is 403 SecretDisabled",
  "listPropertiesOfSecrets pages through nextLink (maxPageSize 2)",
  "listPropertiesOfSecretVersions lists every version of a secret, by page too",
  "beginDeleteSecret polls until the deletion completes; getDeletedSecret and listDeletedSecrets show it",
  "error 409: setSecret over a deleted, recoverable name is Conflict",
  "beginRecoverDeletedSecret polls until the secret is back, every version with it",
  "backupSecret, delete and purge, then restoreSecretBackup brings back every version",
  "purgeDeletedSecret removes a deleted secret for good (then 404 SecretNotFound)",
  "error 404: getSecret of a missing secret is SecretNotFound",
  "error 400: an invalid secret name is BadParameter",
  "error 400: restoreSecretBackup of junk is 'Malformed backup blob'",
  "error 400: getSecret with outContentType PEM of a secret without content type (as recorded)",
  "access policy: a client with only get and list on secrets is refused setSecret with 403 ForbiddenByPolicy",
  "parseKeyVaultSecretIdentifier reads the emulator's identifiers",
];

/** What the child may ask of the test process, mid-run ("name argument"). */
const REQUESTS: SdkRequests = {
  // What the SDK did not send, set as the vault would have it, so the SDK's reading of it is checked.
  "set-content-type": async (server, name) => {
    const { token } = await server.emulator.getToken({ scopes: [`${server.emulator.resource}/.default`] });
    const res = await server.emulator.fetch(`${server.emulator.vaultUrl}/secrets/${name}/?api-version=2025-07-01`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ contentType: "text/plain" }),
    });
    return String(res.status);
  },
  "revoke-sessions": (server) => {
    server.emulator.revokeSessions();
    return "done";
  },
  "throttle-next-set": (server) => {
    server.emulator.faults.add({ route: "PUT /secrets/*", status: 429, retryAfter: 1 });
    return "done";
  },
  "register-reader": (server) => {
    const reader = { clientId: "secrets-reader", clientSecret: `reader-${crypto.randomUUID()}` };
    server.emulator.registerClient({ ...reader, secretPermissions: ["get", "list"] });
    return JSON.stringify(reader);
  },
};

async function runSdk(): Promise<SdkRun & { polls: number }> {
  // Deletions and recoveries complete 300 ms after they are asked for, so the pollers poll.
  const server = await startEmulatorServer({
    name: "sdk-secrets",
    vaultHost: "sdk-secrets.vault.localhost",
    emulator: { deletionDelayMs: 300 },
  });
  const run = await runSdkScript("test/node/official-sdk-secrets-client.mjs", server, { requests: REQUESTS });
  const polls = server.emulator.requests.filter(
    (r) => r.method === "GET" && /\/deletedsecrets\/[^/?]+\?/.test(r.url) && r.status === 404,
  ).length;
  return { ...run, polls };
}

const suite: SuiteFile = (t) => {
  let run: ReturnType<typeof runSdk> | undefined;
  const sdkRun = () => (run ??= runSdk());
  t.group("official @azure/keyvault-secrets against the emulator server (HTTPS)", () => {
    t.test(
      "runs and reports exactly the expected checks; the delete pollers saw the deletion still in progress",
      async () => {
        const { reports, polls } = await sdkRun();
        assert.deepEqual([...reports.keys()], SECRET_CHECKS);
        assert.ok(polls > 0, "GET /deletedsecrets/{name} answered 404 while the deletion completed");
      },
      { timeoutMs: 70_000 },
    );
    for (const check of SECRET_CHECKS) {
      t.test(
        check,
        async () => {
          assertPassed(await sdkRun(), check);
          const { after } = await sdkRun();
          if (check.startsWith("CAE")) assert.deepEqual(after["revoke-sessions"], ["vault GET 401", "authority POST 200", "vault GET 200"]);
          if (check.startsWith("throttling")) assert.deepEqual(after["throttle-next-set"]?.slice(0, 2), ["vault PUT 429", "vault PUT 200"]);
        },
        { timeoutMs: 70_000 },
      );
    }
  });
};
export default suite;
