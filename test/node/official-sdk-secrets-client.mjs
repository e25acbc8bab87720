// Runs the official, unmodified @azure/identity and @azure/keyvault-secrets against the emulator
// server named by the environment (the variables the keyvault-emulator CLI prints). Prints one
// JSON line per check (sdk-report.mjs). Run by official-sdk-secrets.test.ts in a child process that
// trusts the server's certificate; the server completes deletions after a delay, so the SDK's
// pollers really poll.
import { ClientSecretCredential } from "@azure/identity";
import { SecretClient, parseKeyVaultSecretIdentifier } from "@azure/keyvault-secrets";
import { askParent, check, expect, finish, rejection } from "./sdk-report.mjs";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const vaultUrl = env("KEYVAULT_URL");
const tenantId = env("AZURE_TENANT_ID");
const authorityHost = env("AZURE_AUTHORITY_HOST");
const credential = new ClientSecretCredential(tenantId, env("AZURE_CLIENT_ID"), env("AZURE_CLIENT_SECRET"), {
  authorityHost,
  disableInstanceDiscovery: true,
});
const client = new SecretClient(vaultUrl, credential);
const poll = { intervalInMs: 50 }; // short poll intervals only; everything else is default
const prefix = `sdk${Date.now().toString(36)}`;
const day = 86400_000;
let first, second;

await check(
  "setSecret passes the challenge with resource verification on and round-trips tags, enabled, notBefore, expiresOn",
  async () => {
    const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    const expiresOn = new Date(notBefore.getTime() + 30 * day);
    first = await client.setSecret(`${prefix}-db`, "first value", {
      contentType: "text/plain",
      tags: { team: "payments" },
      enabled: true,
      notBefore,
      expiresOn,
    });
    expect(first.value === "first value", `value ${first.value}`);
    expect(first.name === `${prefix}-db`, `name ${first.name}`);
    const p = first.properties;
    expect(p.version?.length === 32, `version ${p.version}`);
    expect(p.vaultUrl === vaultUrl, `vaultUrl ${p.vaultUrl}`);
    expect(p.tags?.team === "payments" && p.enabled === true, "tags, enabled");
    expect(
      p.notBefore?.getTime() === notBefore.getTime() && p.expiresOn?.getTime() === expiresOn.getTime(),
      `dates ${p.notBefore?.toISOString()} ${p.expiresOn?.toISOString()}`,
    );
    expect(p.createdOn instanceof Date && p.updatedOn instanceof Date, "createdOn, updatedOn");
    expect(p.recoveryLevel === "Recoverable+Purgeable" && p.recoverableDays === 90, `${p.recoveryLevel} ${p.recoverableDays}`);
  },
);

await check("SDK 4.11.0 drops contentType from setSecret (the body it sent had none); it reads a content type the vault has", async () => {
  expect(first.properties.contentType === undefined, `contentType ${first.properties.contentType}: the SDK sent it after all`);
  await askParent(`set-content-type ${first.name}`);
  const again = await client.getSecret(first.name);
  expect(again.properties.contentType === "text/plain" && again.value === "first value", `read ${again.properties.contentType}`);
});

await check("setSecret again makes a new version; getSecret reads the latest and a given version", async () => {
  second = await client.setSecret(first.name, "second value");
  expect(second.properties.version !== first.properties.version, "a new version");
  expect((await client.getSecret(first.name)).value === "second value", "latest");
  const old = await client.getSecret(first.name, { version: first.properties.version });
  expect(old.value === "first value" && old.properties.tags?.team === "payments", "by version");
});

await check("CAE: after the parent revokes the session, the SDK answers the insufficient_claims challenge", async () => {
  await askParent("revoke-sessions");
  expect((await client.getSecret(first.name)).value === "second value", "getSecret after revocation");
});

await check("throttling: a 429 with Retry-After on setSecret is retried by the SDK after the delay", async () => {
  await askParent("throttle-next-set");
  const started = Date.now();
  const third = await client.setSecret(`${prefix}-throttled`, "after the retry");
  expect(third.value === "after the retry", "set after the retry");
  expect(Date.now() - started >= 900, `waited ${Date.now() - started} ms for Retry-After: 1`);
});

await check("updateSecretProperties changes tags and enabled, keeps the value; a disabled secret's get is 403 SecretDisabled", async () => {
  const props = await client.updateSecretProperties(first.name, second.properties.version, { tags: { rotated: "yes" }, enabled: false });
  expect(props.tags?.rotated === "yes" && props.enabled === false, "updated properties");
  const e = await rejection(() => client.getSecret(first.name));
  expect(e.statusCode === 403 && e.code === "Forbidden", `${e.statusCode} ${e.code}`);
  expect(/disabled secret/.test(e.message), e.message);
  await client.updateSecretProperties(first.name, second.properties.version, { enabled: true });
  expect((await client.getSecret(first.name)).value === "second value", "the value is kept");
});

await check("listPropertiesOfSecrets pages through nextLink (maxPageSize 2)", async () => {
  for (let i = 0; i < 3; i++) await client.setSecret(`${prefix}-list-${i}`, `v${i}`);
  const pages = [];
  for await (const page of client.listPropertiesOfSecrets().byPage({ maxPageSize: 2 })) pages.push(page.map((p) => p.name));
  const names = pages.flat();
  expect(pages.length >= 3 && pages.every((p) => p.length <= 2), `pages ${JSON.stringify(pages)}`);
  for (const n of [first.name, `${prefix}-list-0`, `${prefix}-list-2`]) expect(names.includes(n), `${n} listed`);
  expect(new Set(names).size === names.length, "each secret once");
});

await check("listPropertiesOfSecretVersions lists every version of a secret, by page too", async () => {
  const versions = [];
  for await (const p of client.listPropertiesOfSecretVersions(first.name)) versions.push(p.version);
  expect(
    versions.length === 2 && versions.includes(first.properties.version) && versions.includes(second.properties.version),
    `versions ${versions}`,
  );
  let pages = 0;
  for await (const page of client.listPropertiesOfSecretVersions(first.name).byPage({ maxPageSize: 1 })) {
    pages++;
    expect(page.length === 1, "one per page");
  }
  expect(pages === 2, `${pages} pages`);
});

await check("beginDeleteSecret polls until the deletion completes; getDeletedSecret and listDeletedSecrets show it", async () => {
  const poller = await client.beginDeleteSecret(first.name, poll);
  const deleted = await poller.pollUntilDone();
  expect(deleted.name === first.name, `name ${deleted.name}`);
  expect(deleted.recoveryId === `${vaultUrl}/deletedsecrets/${first.name}`, `recoveryId ${deleted.recoveryId}`);
  expect(deleted.deletedOn instanceof Date && deleted.scheduledPurgeDate instanceof Date, "dates");
  expect((await client.getDeletedSecret(first.name)).name === first.name, "getDeletedSecret");
  const names = [];
  for await (const d of client.listDeletedSecrets()) names.push(d.name);
  expect(names.includes(first.name), `listDeletedSecrets ${names}`);
});

await check("error 409: setSecret over a deleted, recoverable name is Conflict", async () => {
  const e = await rejection(() => client.setSecret(first.name, "again"));
  expect(e.statusCode === 409 && e.code === "Conflict", `${e.statusCode} ${e.code}`);
});

await check("beginRecoverDeletedSecret polls until the secret is back, every version with it", async () => {
  const poller = await client.beginRecoverDeletedSecret(first.name, poll);
  const props = await poller.pollUntilDone();
  expect(props.name === first.name, `name ${props.name}`);
  expect((await client.getSecret(first.name)).value === "second value", "readable again");
  expect((await client.getSecret(first.name, { version: first.properties.version })).value === "first value", "old version back");
});

let backup;
await check("backupSecret, delete and purge, then restoreSecretBackup brings back every version", async () => {
  backup = await client.backupSecret(first.name);
  expect(backup instanceof Uint8Array && backup.length > 100, `backup ${backup?.length} bytes`);
  await (await client.beginDeleteSecret(first.name, poll)).pollUntilDone();
  await client.purgeDeletedSecret(first.name);
  let restored;
  // A purge completes in the background: restore answers 409 until it has (as recorded).
  for (let i = 0; ; i++) {
    try {
      restored = await client.restoreSecretBackup(backup);
      break;
    } catch (e) {
      if (e.statusCode !== 409 || i > 50) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  expect(restored.name === first.name, `restored ${restored.name}`);
  const versions = [];
  for await (const p of client.listPropertiesOfSecretVersions(first.name)) versions.push(p.version);
  expect(versions.length === 2, `${versions.length} versions`);
});

await check("purgeDeletedSecret removes a deleted secret for good (then 404 SecretNotFound)", async () => {
  await (await client.beginDeleteSecret(`${prefix}-list-0`, poll)).pollUntilDone();
  await client.purgeDeletedSecret(`${prefix}-list-0`);
  const e = await rejection(() => client.getDeletedSecret(`${prefix}-list-0`));
  expect(e.statusCode === 404 && e.code === "SecretNotFound", `${e.statusCode} ${e.code}`);
});

await check("error 404: getSecret of a missing secret is SecretNotFound", async () => {
  const e = await rejection(() => client.getSecret(`${prefix}-missing`));
  expect(e.statusCode === 404 && e.code === "SecretNotFound", `${e.statusCode} ${e.code}`);
});

await check("error 400: an invalid secret name is BadParameter", async () => {
  const e = await rejection(() => client.setSecret("not_valid", "x"));
  expect(e.statusCode === 400 && e.code === "BadParameter", `${e.statusCode} ${e.code}`);
});

await check("error 400: restoreSecretBackup of junk is 'Malformed backup blob'", async () => {
  const e = await rejection(() => client.restoreSecretBackup(new Uint8Array(4728).fill(0)));
  expect(e.statusCode === 400 && e.code === "Malformed backup blob", `${e.statusCode} ${e.code}`);
});

await check("error 400: getSecret with outContentType PEM of a secret without content type (as recorded)", async () => {
  const e = await rejection(() => client.getSecret(`${prefix}-list-1`, { outContentType: "application/x-pem-file" }));
  expect(e.statusCode === 400 && /'Unsupported' to 'PEM'/.test(e.message), `${e.statusCode} ${e.message}`);
});

await check("access policy: a client with only get and list on secrets is refused setSecret with 403 ForbiddenByPolicy", async () => {
  const reader = JSON.parse(await askParent("register-reader"));
  const readerClient = new SecretClient(
    vaultUrl,
    new ClientSecretCredential(tenantId, reader.clientId, reader.clientSecret, { authorityHost, disableInstanceDiscovery: true }),
  );
  expect((await readerClient.getSecret(`${prefix}-list-1`)).value === "v1", "get allowed");
  const e = await rejection(() => readerClient.setSecret(`${prefix}-list-1`, "w"));
  expect(
    e.statusCode === 403 && e.code === "Forbidden" && /does not have secrets set permission/.test(e.message),
    `${e.statusCode} ${e.message}`,
  );
});

await check("parseKeyVaultSecretIdentifier reads the emulator's identifiers", async () => {
  const parsed = parseKeyVaultSecretIdentifier(second.properties.id);
  expect(
    parsed.vaultUrl === vaultUrl && parsed.name === first.name && parsed.version === second.properties.version,
    JSON.stringify(parsed),
  );
});

finish();
