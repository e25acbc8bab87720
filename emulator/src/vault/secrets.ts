// The secrets operations of api-version 2025-07-01, as the service answers them: set (a new
// version each time), get (latest or a version, outContentType), update, delete (soft), list,
// versions, deleted secrets, recover, purge, backup and restore. Errors carry the recorded codes
// and messages (test/fixtures/recordings/secrets__*.json).
import { b64url, concat, fromB64, fromUtf8, randomVersion, utf8 } from "../bytes.js";
import { ServiceError, badParameter, conflict, forbidden } from "../errors.js";
import { pfxToPem } from "./certificate-secrets.js";
import { parseAttributes, parseTags, refusePurgeIfProtected, type Answer, type VaultContext } from "./context.js";
import { page } from "./paging.js";
import {
  checkEntry,
  latestSecret,
  type DeletedSecretEntry,
  type SecretEntry,
  type SecretStore,
  type SecretVersion,
} from "./secrets-store.js";

/** The service's limit on a secret's value: 25 KB (25,600 bytes). */
export const MAX_SECRET_VALUE_BYTES = 25_600;
/** The service's limit on `contentType`: 255 characters. */
export const MAX_CONTENT_TYPE_LENGTH = 255;

const NAME = /^[0-9a-zA-Z-]{1,127}$/;
const VERSION = /^[0-9a-fA-F]{32}$/;
const FWLINK = "For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182";

/** 404 SecretNotFound for a live secret (or version), worded as recorded. */
export const secretNotFound = (nameOrId: string): ServiceError =>
  new ServiceError(
    404,
    "SecretNotFound",
    `A secret with (name/id) ${nameOrId} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. ${FWLINK}`,
  );
/** 404 SecretNotFound for a deleted secret, worded as recorded. */
export const deletedSecretNotFound = (name: string): ServiceError =>
  new ServiceError(404, "SecretNotFound", `Deleted Secret not found: ${name}`);
const malformedBackup = (): ServiceError =>
  new ServiceError(400, "Malformed backup blob", "Backup blob contains invalid or corrupt version.");

/** What every secrets handler gets: the request context and the vault's secrets. */
export interface SecretsContext {
  ctx: VaultContext;
  store: SecretStore;
}

/** Rejects names the service rejects. */
export function checkSecretName(name: string): void {
  if (!NAME.test(name)) throw badParameter(`The request URI contains an invalid name: ${name}`);
}

function body(ctx: VaultContext): Record<string, unknown> {
  const b = ctx.body;
  if (b === undefined || b === null) throw badParameter("The request body is missing or empty. A JSON object is required.");
  if (typeof b !== "object" || Array.isArray(b)) throw badParameter("The request body must be a JSON object.");
  return b as Record<string, unknown>;
}

/** The tags as the secret store keeps them: [name, value] pairs. */
function tagEntries(v: unknown): [string, string][] | undefined {
  const tags = parseTags(v, "secret");
  return tags && Object.entries(tags);
}

function parseContentType(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw badParameter("Property 'contentType' must be a string.");
  if (v.length > MAX_CONTENT_TYPE_LENGTH)
    throw badParameter(`Property 'contentType' is longer than ${MAX_CONTENT_TYPE_LENGTH} characters.`);
  return v;
}

/** The live, visible secret, or 404. */
function liveSecret(s: SecretsContext, name: string): SecretEntry {
  checkSecretName(name);
  const e = s.store.secret(name);
  if (!e || (e.visibleAtMs ?? 0) > s.ctx.nowMs) throw secretNotFound(name);
  return e;
}

/** A version ("" = latest), or 404. */
function secretVersion(s: SecretsContext, name: string, version: string): { entry: SecretEntry; v: SecretVersion } {
  const entry = liveSecret(s, name);
  if (!version) return { entry, v: latestSecret(entry) };
  const v = VERSION.test(version) ? entry.versions.find((x) => x.version === version.toLowerCase()) : undefined;
  if (!v) throw secretNotFound(`${name}/${version}`);
  return { entry, v };
}

/** A name held by a deleted secret (or one still being purged or recovered) cannot take a new version. */
function checkNameFree(s: SecretsContext, name: string): void {
  const key = name.toLowerCase();
  const d = s.store.deletedSecret(name);
  if (d) {
    if (d.readyAtMs > s.ctx.nowMs) throw conflict(`Secret ${name} is currently being deleted.`, "ObjectIsBeingDeleted");
    throw conflict(
      `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
      "ObjectIsDeletedButRecoverable",
    );
  }
  if ((s.store.purging.get(key) ?? 0) > s.ctx.nowMs) throw conflict(`Secret ${name} is currently being deleted.`, "ObjectIsBeingDeleted");
  const live = s.store.secret(name);
  if (live && (live.visibleAtMs ?? 0) > s.ctx.nowMs)
    throw conflict(`Secret ${name} is currently being recovered.`, "ObjectIsBeingRecovered");
}

/** A certificate's secret changes only with its certificate (403 SecretManagedByKeyVault, as the service answers). */
function refuseManaged(entry: SecretEntry | undefined, op: string): void {
  if (entry && latestSecret(entry).managed)
    throw forbidden(`Operation "${op}" is not allowed as this object's lifetime is managed by Key Vault.`, "SecretManagedByKeyVault");
}

/** PUT /secrets/{name}: a new version, the newest from now on. */
export function setSecret(s: SecretsContext, name: string): Answer {
  checkSecretName(name);
  const b = body(s.ctx);
  if (typeof b.value !== "string")
    throw badParameter(b.value === undefined || b.value === null ? "Property 'value' is required." : "Property 'value' must be a string.");
  if (utf8(b.value).length > MAX_SECRET_VALUE_BYTES)
    throw badParameter(`The secret value is larger than the maximum allowed size of ${MAX_SECRET_VALUE_BYTES} bytes.`);
  const contentType = parseContentType(b.contentType);
  const tags = tagEntries(b.tags);
  const attrs = parseAttributes(b.attributes, "secret");
  checkNameFree(s, name);
  refuseManaged(s.store.secret(name), "set");
  const now = s.ctx.nowSeconds;
  const v: SecretVersion = { version: randomVersion(), value: b.value, enabled: attrs.enabled ?? true, created: now, updated: now };
  if (contentType !== undefined) v.contentType = contentType;
  if (tags?.length) v.tags = tags;
  if (attrs.nbf !== undefined) v.nbf = attrs.nbf;
  if (attrs.exp !== undefined) v.exp = attrs.exp;
  let entry = s.store.secret(name);
  if (!entry) s.store.live.set(name.toLowerCase(), (entry = { name, versions: [] }));
  entry.versions.push(v);
  return { status: 200, body: s.store.bundle(entry.name, v, true) };
}

/** GET /secrets/{name}/{version}: the value; 403 SecretDisabled for a disabled version. */
export async function getSecret(s: SecretsContext, name: string, version: string): Promise<Answer> {
  const { entry, v } = secretVersion(s, name, version);
  // As the service behaves (Azure/AzureKeyVault#19, whatever its docs say): nbf and exp do not stop a get; disabled does.
  if (!v.enabled) throw forbidden("Operation get is not allowed on a disabled secret.", "SecretDisabled");
  const bundle = s.store.bundle(entry.name, v, true);
  const out = s.ctx.url.searchParams.get("outContentType");
  if (out !== null && convertible(v, out)) {
    bundle.value = await pfxToPem(v.value);
    bundle.contentType = out;
  }
  return { status: 200, body: bundle };
}

/** `outContentType`: only PFX to PEM is a conversion the service offers; true when one is needed. */
function convertible(v: SecretVersion, out: string): boolean {
  const label = (t: string | undefined) => (t === "application/x-pkcs12" ? "PFX" : t === "application/x-pem-file" ? "PEM" : "Unsupported");
  const target = label(out);
  if (target === "Unsupported")
    throw badParameter(`The value '${out}' is not a supported outContentType. Use application/x-pem-file or application/x-pkcs12.`);
  const source = label(v.contentType);
  if (source === target) return false;
  if (source === "PFX" && target === "PEM") return true;
  throw badParameter(`The '${source}' to '${target}' transformation is not supported. Only PFX to PEM transformation is supported.`);
}

/** PATCH /secrets/{name}/{version}: contentType, tags, attributes; the answer has no value. */
export function updateSecret(s: SecretsContext, name: string, version: string): Answer {
  const b = body(s.ctx);
  const contentType = parseContentType(b.contentType);
  const tags = tagEntries(b.tags);
  const attrs = parseAttributes(b.attributes, "secret");
  const { entry, v } = secretVersion(s, name, version);
  const nbf = attrs.nbf ?? v.nbf,
    exp = attrs.exp ?? v.exp;
  if (nbf !== undefined && exp !== undefined && nbf >= exp)
    throw badParameter("The secret's not-before time (nbf) must be earlier than its expiry time (exp).");
  if (contentType !== undefined) v.contentType = contentType;
  if (tags !== undefined) {
    if (tags.length) v.tags = tags;
    else delete v.tags;
  }
  if (attrs.enabled !== undefined) v.enabled = attrs.enabled;
  if (attrs.nbf !== undefined) v.nbf = attrs.nbf;
  if (attrs.exp !== undefined) v.exp = attrs.exp;
  v.updated = s.ctx.nowSeconds;
  return { status: 200, body: s.store.bundle(entry.name, v, false) };
}

function deletedBundle(s: SecretsContext, d: DeletedSecretEntry): Record<string, unknown> {
  return { ...s.store.deletedFields(d), ...s.store.bundle(d.entry.name, latestSecret(d.entry), false) };
}

/** DELETE /secrets/{name}: soft delete of every version; /deletedsecrets shows it after deletionDelayMs. */
export function deleteSecret(s: SecretsContext, name: string): Answer {
  const entry = liveSecret(s, name);
  refuseManaged(entry, "delete");
  s.store.live.delete(name.toLowerCase());
  const d: DeletedSecretEntry = {
    entry,
    deletedDate: s.ctx.nowSeconds,
    scheduledPurgeDate: s.ctx.nowSeconds + s.store.info.recoverableDays * 86400,
    readyAtMs: s.ctx.nowMs + s.ctx.deletionDelayMs,
  };
  s.store.deleted.set(name.toLowerCase(), d);
  return { status: 200, body: deletedBundle(s, d) };
}

const byName = (a: string, b: string): number => {
  const x = a.toLowerCase(),
    y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
};

/** GET /secrets: one item per secret (its newest version), id without version. */
export function listSecrets(s: SecretsContext): Answer {
  const items = [...s.store.live.values()]
    .filter((e) => (e.visibleAtMs ?? 0) <= s.ctx.nowMs)
    .sort((a, b) => byName(a.name, b.name))
    .map((e) => s.store.item(e.name, latestSecret(e), false));
  return { status: 200, body: page(s.ctx, items) };
}

/** GET /secrets/{name}/versions: every version; an unknown name is an empty list, as recorded. */
export function listSecretVersions(s: SecretsContext, name: string): Answer {
  checkSecretName(name);
  const e = s.store.secret(name);
  const versions = e && (e.visibleAtMs ?? 0) <= s.ctx.nowMs ? [...e.versions] : [];
  // The service lists versions by identifier, not by age (as recorded).
  versions.sort((a, b) => (a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
  return {
    status: 200,
    body: page(
      s.ctx,
      versions.map((v) => s.store.item(e!.name, v, true)),
    ),
  };
}

/** The deleted secret once its deletion has completed, or 404. */
function visibleDeleted(s: SecretsContext, name: string): DeletedSecretEntry {
  checkSecretName(name);
  const d = s.store.deletedSecret(name);
  if (!d || d.readyAtMs > s.ctx.nowMs) throw deletedSecretNotFound(name);
  return d;
}

/** GET /deletedsecrets/{name} */
export function getDeletedSecret(s: SecretsContext, name: string): Answer {
  return { status: 200, body: deletedBundle(s, visibleDeleted(s, name)) };
}

/** GET /deletedsecrets */
export function listDeletedSecrets(s: SecretsContext): Answer {
  const items = [...s.store.deleted.values()]
    .filter((d) => d.readyAtMs <= s.ctx.nowMs)
    .sort((a, b) => byName(a.entry.name, b.entry.name))
    .map((d) => ({ ...s.store.deletedFields(d), ...s.store.item(d.entry.name, latestSecret(d.entry), false) }));
  return { status: 200, body: page(s.ctx, items) };
}

function notYetDeleted(s: SecretsContext, name: string): void {
  const d = s.store.deletedSecret(name);
  if (d && d.readyAtMs > s.ctx.nowMs) throw conflict(`Secret ${name} is currently being deleted.`, "ObjectIsBeingDeleted");
}

/** DELETE /deletedsecrets/{name}: 204; the name is free again after deletionDelayMs. */
export function purgeDeletedSecret(s: SecretsContext, name: string): Answer {
  checkSecretName(name);
  refusePurgeIfProtected(s.store.info);
  notYetDeleted(s, name);
  visibleDeleted(s, name);
  s.store.deleted.delete(name.toLowerCase());
  if (s.ctx.deletionDelayMs > 0) s.store.purging.set(name.toLowerCase(), s.ctx.nowMs + s.ctx.deletionDelayMs);
  return { status: 204 };
}

/** POST /deletedsecrets/{name}/recover: every version back; visible after deletionDelayMs. */
export function recoverDeletedSecret(s: SecretsContext, name: string): Answer {
  checkSecretName(name);
  notYetDeleted(s, name);
  const d = s.store.deletedSecret(name);
  if (!d) throw secretNotFound(name);
  s.store.deleted.delete(name.toLowerCase());
  d.entry.visibleAtMs = s.ctx.nowMs + s.ctx.deletionDelayMs;
  s.store.live.set(name.toLowerCase(), d.entry);
  return { status: 200, body: s.store.bundle(d.entry.name, latestSecret(d.entry), false) };
}

// The service's blobs start with this; ours go on with the emulator's own sealed format.
const BACKUP_MAGIC = utf8(")AzureKeyVaultSecretBackupV1.microsoft.com");
const EMULATOR_FORMAT = utf8("keyvault-fetch-emulator:");

/** POST /secrets/{name}/backup: an opaque, sealed blob with every version. */
export async function backupSecret(s: SecretsContext, name: string): Promise<Answer> {
  const entry = liveSecret(s, name);
  const plain = utf8(JSON.stringify({ name: entry.name, versions: entry.versions }));
  return { status: 200, body: { value: b64url(concat(BACKUP_MAGIC, EMULATOR_FORMAT, await s.ctx.seal(plain))) } };
}

const startsWith = (b: Uint8Array, prefix: Uint8Array, at = 0): boolean =>
  b.length >= at + prefix.length && prefix.every((x, i) => b[at + i] === x);

/** POST /secrets/restore: into a name that is neither live, deleted nor being purged. */
export async function restoreSecret(s: SecretsContext): Promise<Answer> {
  const b = body(s.ctx);
  if (b.value === undefined || b.value === null) throw badParameter("Property 'value' (the backup blob) is required.");
  const blob = fromB64(b.value);
  const head = BACKUP_MAGIC.length + EMULATOR_FORMAT.length;
  if (!blob || !startsWith(blob, BACKUP_MAGIC) || !startsWith(blob, EMULATOR_FORMAT, BACKUP_MAGIC.length)) throw malformedBackup();
  const plain = await s.ctx.open(blob.subarray(head));
  if (!plain) throw malformedBackup();
  let entry: SecretEntry;
  try {
    entry = checkEntry(JSON.parse(fromUtf8(plain)));
  } catch {
    throw malformedBackup();
  }
  const key = entry.name.toLowerCase();
  if (s.store.secret(entry.name) || s.store.deletedSecret(entry.name) || (s.store.purging.get(key) ?? 0) > s.ctx.nowMs) {
    const id = s.store.id(entry.name, latestSecret(entry));
    throw conflict(
      `There was a conflict restoring the secret '${id}'. This can happen if either: a second secret with the same name was created after the first secret was deleted; thus trying to restore a secret whose name is already in use. To fix this, rename the second secret to something else so that the restore works. The second probable cause of this exception is when multiple operations are performed in parallel against the secret. To avoid this error, perform operations against a secret in a sequential manner.`,
    );
  }
  s.store.live.set(key, { name: entry.name, versions: entry.versions });
  return { status: 200, body: s.store.bundle(entry.name, latestSecret(entry), false) };
}
