// Soft delete, deleted keys, recover, purge, backup and restore.
import { b64url, concat, fromB64, fromUtf8, utf8 } from "../bytes.js";
import { badParameter, conflict, deletedKeyNotFound, forbidden, keyNotFound, ServiceError } from "../errors.js";
import { checkName, liveKey, objectBody, refusePurgeIfProtected, type Answer, type VaultContext } from "./context.js";
import { page } from "./paging.js";
import { deserializeEntry, latest, serializeEntry, type DeletedEntry, type KeyEntry, type Store } from "./store.js";

const BACKUP_MAGIC = utf8("KVFETCH-EMULATOR-BACKUP-V1:");

function deletedBundle(ctx: VaultContext, d: DeletedEntry): Record<string, unknown> {
  const bundle = ctx.store.bundle(d.entry.name, latest(d.entry));
  // Managed HSM leaves key_size out of deleted keys (as recorded).
  if (ctx.managedHsm) delete (bundle.attributes as Record<string, unknown>).key_size;
  return { ...ctx.store.deletedFields(d), ...bundle };
}

/** The deleted key, visible only once the (optional) deletion delay has passed. */
function visibleDeleted(ctx: VaultContext, name: string): DeletedEntry {
  checkName(name);
  const d = ctx.store.deletedKey(name);
  if (!d || d.readyAtMs > ctx.nowMs) throw deletedKeyNotFound(name);
  return d;
}

/** DELETE /keys/{name} */
export function deleteKey(ctx: VaultContext, name: string): Answer {
  const entry = liveKey(ctx, name);
  refuseManagedKey(entry, "delete");
  const d = ctx.store.softDelete(entry, ctx.nowSeconds, ctx.nowMs, ctx.deletionDelayMs);
  return { status: 200, body: deletedBundle(ctx, d) };
}

/** A certificate's key changes only with its certificate (403 KeyManagedByKeyVault). */
export function refuseManagedKey(entry: KeyEntry | undefined, op: string): void {
  if (entry && latest(entry).managed)
    throw forbidden(`Operation "${op}" is not allowed as this object's lifetime is managed by Key Vault.`, "KeyManagedByKeyVault");
}

/** GET /deletedkeys/{name} */
export function getDeletedKey(ctx: VaultContext, name: string): Answer {
  return { status: 200, body: deletedBundle(ctx, visibleDeleted(ctx, name)) };
}

/** GET /deletedkeys */
export function listDeletedKeys(ctx: VaultContext): Answer {
  const items = ctx.store
    .deletedKeys()
    .filter((d) => d.readyAtMs <= ctx.nowMs)
    .sort((a, b) => a.entry.name.toLowerCase().localeCompare(b.entry.name.toLowerCase()))
    .map((d) => ({ ...ctx.store.deletedFields(d), ...ctx.store.item(d.entry.name, latest(d.entry), false) }));
  return { status: 200, body: page(ctx, items) };
}

function notYetDeleted(ctx: VaultContext, name: string): void {
  const d = ctx.store.deletedKey(name);
  if (d && d.readyAtMs > ctx.nowMs) throw conflict(`Key ${name} is currently being deleted.`, "ObjectIsBeingDeleted");
}

/** DELETE /deletedkeys/{name} (purge): 204, no body; 403 when the vault has purge protection. */
export function purgeDeletedKey(ctx: VaultContext, name: string): Answer {
  checkName(name);
  refusePurgeIfProtected(ctx.store.info);
  notYetDeleted(ctx, name);
  ctx.store.purge(visibleDeleted(ctx, name));
  return { status: 204 };
}

/** POST /deletedkeys/{name}/recover */
export function recoverDeletedKey(ctx: VaultContext, name: string): Answer {
  checkName(name);
  notYetDeleted(ctx, name);
  const d = ctx.store.deletedKey(name);
  if (!d) throw keyNotFound(name);
  const entry = ctx.store.recover(d, ctx.nowMs + ctx.deletionDelayMs);
  return { status: 200, body: ctx.store.bundle(entry.name, latest(entry)) };
}

/** POST /keys/{name}/backup: an opaque, sealed blob holding every version. */
export async function backupKey(ctx: VaultContext, name: string): Promise<Answer> {
  const entry = liveKey(ctx, name);
  const sealed = await ctx.seal(utf8(JSON.stringify(serializeEntry(entry))));
  return { status: 200, body: { value: b64url(concat(BACKUP_MAGIC, sealed)) } };
}

const malformed = (): ServiceError => new ServiceError(400, "Malformed backup blob", "Backup blob contains invalid or corrupt version.");

/** POST /keys/restore: only into a name that is neither live nor deleted. */
export async function restoreKey(ctx: VaultContext): Promise<Answer> {
  const body = objectBody(ctx);
  if (body.value === undefined || body.value === null) throw badParameter("Property 'value' (the backup blob) is required.");
  const blob = fromB64(body.value);
  if (!blob || blob.length <= BACKUP_MAGIC.length || !BACKUP_MAGIC.every((b, i) => blob[i] === b)) throw malformed();
  const plain = await ctx.open(blob.subarray(BACKUP_MAGIC.length));
  if (!plain) throw malformed();
  let entry;
  try {
    entry = deserializeEntry(JSON.parse(fromUtf8(plain)));
  } catch {
    throw malformed();
  }
  if (!ctx.store.restore(entry)) {
    const kid = ctx.store.kid(entry.name, latest(entry));
    throw conflict(
      `There was a conflict restoring the key '${kid}'. This can happen if either: a second key with the same name was created after the first key was deleted; thus trying to restore a key whose name is already in use. To fix this, rename the second key to something else so that the restore works. The second probable cause of this exception is when multiple operations are performed in parallel against the key. To avoid this error, perform operations against a key in a sequential manner.`,
    );
  }
  return { status: 200, body: ctx.store.bundle(entry.name, latest(entry)) };
}

/** Deleted keys past their scheduled purge date are gone; returns their names. */
export function purgeExpiredDeletions(store: Store, nowSeconds: number): string[] {
  return store.purgeExpired(nowSeconds);
}
