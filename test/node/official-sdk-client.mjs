// Runs the official, unmodified @azure/identity and @azure/keyvault-keys against the emulator
// server named by the environment (the same variables the keyvault-emulator CLI prints).
// Prints one JSON line per check (sdk-report.mjs). Run by official-sdk.test.ts in a child process
// that trusts the server's certificate.
import { CryptographyClient } from "@azure/keyvault-keys";
import { constants, createHash, randomBytes, createPublicKey, verify as nodeVerify } from "node:crypto";
import { askParent, check, expect, finish, rejection, sdkClients } from "./sdk-report.mjs";

const { vaultUrl, tenantId, credential, client } = sdkClients();
const poll = { intervalInMs: 20 }; // short poll intervals only; everything else is default
const prefix = `sdk${Date.now().toString(36)}`;
const sha256 = (data) => createHash("sha256").update(data).digest();

const message = new TextEncoder().encode("keyvault-fetch fidelity check");
let rsa, ec, rsaCrypto, ecCrypto;

await check("ClientSecretCredential gets a token from the emulated authority", async () => {
  const resource = new URL(vaultUrl).hostname.split(".").slice(1).join(".");
  const token = await credential.getToken(`https://${resource}/.default`);
  expect(token?.token.split(".").length === 3, "a JWT");
  const claims = JSON.parse(Buffer.from(token.token.split(".")[1], "base64url").toString());
  expect(claims.aud === `https://${resource}`, `aud ${claims.aud}`);
  expect(claims.tid === tenantId, `tid ${claims.tid}`);
});

await check("createRsaKey (RSA 2048) passes the challenge with resource verification on", async () => {
  rsa = await client.createRsaKey(`${prefix}-rsa`, { keySize: 2048, tags: { purpose: "fidelity" } });
  expect(rsa.keyType === "RSA", `keyType ${rsa.keyType}`);
  expect(rsa.key.n.length === 256, `modulus ${rsa.key.n.length} bytes`);
  expect(!rsa.key.d, "no private material");
  expect(rsa.properties.version?.length === 32, "32-hex version");
  expect(rsa.properties.tags?.purpose === "fidelity", "tags");
  rsaCrypto = new CryptographyClient(rsa, credential);
});

await check("createEcKey (P-256) returns the public point only", async () => {
  ec = await client.createEcKey(`${prefix}-ec`, { curve: "P-256" });
  expect(ec.keyType === "EC" && ec.key.crv === "P-256", `${ec.keyType} ${ec.key.crv}`);
  expect(ec.key.x.length === 32 && ec.key.y.length === 32 && !ec.key.d, "public point only");
  ecCrypto = new CryptographyClient(ec.id, credential); // by identifier: the SDK fetches the key itself
});

await check("getKey: latest version and a given version", async () => {
  const latest = await client.getKey(rsa.name);
  expect(latest.id === rsa.id, `latest ${latest.id} vs ${rsa.id}`);
  const byVersion = await client.getKey(rsa.name, { version: rsa.properties.version });
  expect(byVersion.id === rsa.id, "by version");
});

await check("CAE: after the parent revokes the session, the SDK answers the insufficient_claims challenge", async () => {
  await askParent("revoke-sessions");
  const again = await client.getKey(rsa.name);
  expect(again.id === rsa.id, "getKey after revocation");
});

await check("sign and verify RS256 (digest) with CryptographyClient; node:crypto verifies too", async () => {
  const digest = sha256(message);
  const { result } = await rsaCrypto.sign("RS256", digest);
  expect(result.length === 256, `signature ${result.length} bytes`);
  const { result: valid } = await rsaCrypto.verify("RS256", digest, result);
  expect(valid === true, "verify");
  const publicKey = createPublicKey({
    key: { kty: "RSA", n: Buffer.from(rsa.key.n).toString("base64url"), e: Buffer.from(rsa.key.e).toString("base64url") },
    format: "jwk",
  });
  expect(nodeVerify("sha256", message, publicKey, result), "node:crypto verifies the signature");
  const { result: tampered } = await rsaCrypto.verify("RS256", sha256(new TextEncoder().encode("other")), result);
  expect(tampered === false, "a different digest does not verify");
});

await check("throttling: a 429 with Retry-After on sign is retried by the SDK after the delay", async () => {
  await askParent("throttle-next-sign");
  const started = Date.now();
  const { result } = await rsaCrypto.sign("RS256", sha256(message));
  expect(result.length === 256, "signed after the retry");
  expect(Date.now() - started >= 900, `waited ${Date.now() - started} ms for Retry-After: 1`);
});

await check("signData and verifyData RS256 (the SDK verifies locally with the returned public key)", async () => {
  const { result } = await rsaCrypto.signData("RS256", message);
  const { result: valid } = await rsaCrypto.verifyData("RS256", message, result);
  expect(valid === true, "verifyData");
});

await check("sign PS256 (digest); verify in the vault and with node:crypto (PSS)", async () => {
  // Not verifyData: SDK 4.10.2 verifies PS* locally without PSS padding, so it says false for any PS signature.
  const digest = sha256(message);
  const { result } = await rsaCrypto.sign("PS256", digest);
  const { result: valid } = await rsaCrypto.verify("PS256", digest, result);
  expect(valid === true, "verify in the vault");
  const publicKey = createPublicKey({
    key: { kty: "RSA", n: Buffer.from(rsa.key.n).toString("base64url"), e: Buffer.from(rsa.key.e).toString("base64url") },
    format: "jwk",
  });
  const ok = nodeVerify("sha256", message, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, result);
  expect(ok, "node:crypto verifies the PSS signature (salt 32)");
});

await check("sign and verify ES256 (raw r||s) with CryptographyClient; node:crypto verifies too", async () => {
  const digest = sha256(message);
  const { result } = await ecCrypto.sign("ES256", digest);
  expect(result.length === 64, `signature ${result.length} bytes`);
  const { result: valid } = await ecCrypto.verify("ES256", digest, result);
  expect(valid === true, "verify");
  const publicKey = createPublicKey({
    key: { kty: "EC", crv: "P-256", x: Buffer.from(ec.key.x).toString("base64url"), y: Buffer.from(ec.key.y).toString("base64url") },
    format: "jwk",
  });
  expect(nodeVerify("sha256", message, { key: publicKey, dsaEncoding: "ieee-p1363" }, result), "node:crypto verifies the signature");
});

await check("encrypt and decrypt RSA-OAEP, RSA-OAEP-256 and RSA1_5", async () => {
  for (const algorithm of ["RSA-OAEP", "RSA-OAEP-256", "RSA1_5"]) {
    const plaintext = randomBytes(32);
    const encrypted = await rsaCrypto.encrypt({ algorithm, plaintext });
    expect(encrypted.result.length === 256, `${algorithm} ciphertext ${encrypted.result.length} bytes`);
    const decrypted = await rsaCrypto.decrypt({ algorithm, ciphertext: encrypted.result });
    expect(Buffer.from(decrypted.result).equals(plaintext), `${algorithm} round trip`);
  }
});

await check("wrapKey and unwrapKey RSA-OAEP-256", async () => {
  const cek = randomBytes(32);
  const wrapped = await rsaCrypto.wrapKey("RSA-OAEP-256", cek);
  const unwrapped = await rsaCrypto.unwrapKey("RSA-OAEP-256", wrapped.result);
  expect(Buffer.from(unwrapped.result).equals(cek), "round trip");
});

await check("listPropertiesOfKeys pages through nextLink (maxPageSize 2)", async () => {
  for (let i = 0; i < 3; i++) await client.createEcKey(`${prefix}-page${i}`, { curve: "P-256" });
  const names = [];
  let pages = 0;
  for await (const page of client.listPropertiesOfKeys().byPage({ maxPageSize: 2 })) {
    pages++;
    expect(page.length <= 2, `page of ${page.length}`);
    for (const p of page) names.push(p.name);
  }
  for (const n of [rsa.name, ec.name, `${prefix}-page0`, `${prefix}-page1`, `${prefix}-page2`]) expect(names.includes(n), `${n} listed`);
  expect(pages >= 3, `${pages} pages`);
});

await check("updateKeyProperties: tags, enabled false refuses sign with 403 Forbidden", async () => {
  const updated = await client.updateKeyProperties(ec.name, ec.properties.version, { tags: { stage: "updated" }, enabled: false });
  expect(updated.properties.tags?.stage === "updated" && updated.properties.enabled === false, "updated");
  const error = await rejection(() => new CryptographyClient(ec.id, credential).sign("ES256", sha256(message)));
  expect(error.statusCode === 403, `status ${error.statusCode} ${error.message}`);
  await client.updateKeyProperties(ec.name, ec.properties.version, { enabled: true });
});

await check("rotateKey makes a new version; listPropertiesOfKeyVersions shows both", async () => {
  const rotated = await client.rotateKey(rsa.name);
  expect(rotated.properties.version !== rsa.properties.version, "new version");
  expect(rotated.key.n.length === 256, "same key size");
  const versions = [];
  for await (const v of client.listPropertiesOfKeyVersions(rsa.name)) versions.push(v.version);
  expect(versions.includes(rsa.properties.version) && versions.includes(rotated.properties.version), `versions ${versions}`);
  expect((await client.getKey(rsa.name)).properties.version === rotated.properties.version, "latest is the rotated one");
});

await check("updateKeyRotationPolicy and getKeyRotationPolicy", async () => {
  const policy = await client.updateKeyRotationPolicy(rsa.name, {
    expiresIn: "P90D",
    lifetimeActions: [{ action: "Rotate", timeAfterCreate: "P30D" }],
  });
  expect(policy.expiresIn === "P90D", `expiresIn ${policy.expiresIn}`);
  const read = await client.getKeyRotationPolicy(rsa.name);
  expect(
    read.lifetimeActions?.some((a) => a.action === "Rotate" && a.timeAfterCreate === "P30D"),
    JSON.stringify(read.lifetimeActions),
  );
});

await check("beginDeleteKey, getDeletedKey, listDeletedKeys, beginRecoverDeletedKey", async () => {
  const name = `${prefix}-page0`;
  const deleted = await (await client.beginDeleteKey(name, poll)).pollUntilDone();
  expect(deleted.name === name && deleted.properties.recoveryId?.endsWith(`/deletedkeys/${name}`), "deleted bundle with recoveryId");
  expect(deleted.properties.scheduledPurgeDate > new Date(), "scheduled purge date in the future");
  expect((await client.getDeletedKey(name)).name === name, "getDeletedKey");
  const listed = [];
  for await (const d of client.listDeletedKeys()) listed.push(d.name);
  expect(listed.includes(name), "listed as deleted");
  const recovered = await (await client.beginRecoverDeletedKey(name, poll)).pollUntilDone();
  expect(recovered.name === name, "recovered");
  expect((await client.getKey(name)).name === name, "live again");
});

await check("purgeDeletedKey removes a deleted key for good (then 404)", async () => {
  const name = `${prefix}-page1`;
  await (await client.beginDeleteKey(name, poll)).pollUntilDone();
  await client.purgeDeletedKey(name);
  const error = await rejection(() => client.getDeletedKey(name));
  expect(error.statusCode === 404, `status ${error.statusCode}`);
});

await check("backupKey, then restoreKeyBackup into the purged name", async () => {
  const name = `${prefix}-page2`;
  const before = await client.getKey(name);
  const backup = await client.backupKey(name);
  expect(backup instanceof Uint8Array && backup.length > 32, "an opaque blob");
  await (await client.beginDeleteKey(name, poll)).pollUntilDone();
  await client.purgeDeletedKey(name);
  const restored = await client.restoreKeyBackup(backup);
  expect(restored.id === before.id, `restored ${restored.id} vs ${before.id}`);
  expect(Buffer.from(restored.key.x).equals(Buffer.from(before.key.x)), "same key material");
});

await check("error 404: getKey of a missing key is KeyNotFound", async () => {
  const error = await rejection(() => client.getKey(`${prefix}-missing`));
  expect(error.statusCode === 404 && error.code === "KeyNotFound", `${error.statusCode} ${error.code}`);
});

await check("error 409: creating over a deleted, recoverable key is Conflict", async () => {
  const name = `${prefix}-conflict`;
  await client.createEcKey(name, { curve: "P-256" });
  await (await client.beginDeleteKey(name, poll)).pollUntilDone();
  const error = await rejection(() => client.createEcKey(name, { curve: "P-256" }));
  expect(error.statusCode === 409 && error.code === "Conflict", `${error.statusCode} ${error.code}`);
});

await check("error 400: an invalid key name is BadParameter", async () => {
  const error = await rejection(() => client.createEcKey("not_valid!", { curve: "P-256" }));
  expect(error.statusCode === 400 && error.code === "BadParameter", `${error.statusCode} ${error.code}`);
});

await check("error 400: a digest of the wrong length is BadParameter", async () => {
  const error = await rejection(() => ecCrypto.sign("ES256", randomBytes(20)));
  expect(error.statusCode === 400 && error.code === "BadParameter", `${error.statusCode} ${error.code}`);
});

finish();
