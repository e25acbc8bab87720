// Soft-deleted keys: GET, DELETE (purge) and recover under /deletedkeys/{name}.
import type { KeyVaultClient } from "../client.js";
import { checkName } from "./ids.js";
import { toDeletedKey, toKey, type RestKeyBundle } from "./model.js";
import type { DeletedKey, KeyVaultKey, OperationOptions } from "./types.js";
import { request } from "../request.js";
import { checkClient, optionsOf } from "../input.js";

/**
 * Gets a deleted key (soft-delete vaults).
 * @example const d = await getDeletedKey(client, "old-key"); d.scheduledPurgeDate;
 */
export async function getDeletedKey(client: KeyVaultClient, name: string, opts?: OperationOptions): Promise<DeletedKey> {
  checkClient(client, "getDeletedKey");
  const options = optionsOf(opts, "getDeletedKey");
  checkName(name);
  return toDeletedKey(await request<RestKeyBundle>(client, "GET", `/deletedkeys/${name}`, undefined, { signal: options.signal }));
}

/**
 * Deletes a deleted key for good (needs the purge permission). Answers once the service has accepted it.
 * @example await purgeDeletedKey(client, "old-key");
 */
export async function purgeDeletedKey(client: KeyVaultClient, name: string, opts?: OperationOptions): Promise<void> {
  checkClient(client, "purgeDeletedKey");
  const options = optionsOf(opts, "purgeDeletedKey");
  checkName(name);
  await request<void>(client, "DELETE", `/deletedkeys/${name}`, undefined, { signal: options.signal, idempotent: false });
}

/**
 * Recovers a deleted key with all its versions. Like deletion, recovery completes in the
 * background: `getKey` may answer 404 for a few seconds.
 * @example const key = await recoverDeletedKey(client, "old-key");
 */
export async function recoverDeletedKey(client: KeyVaultClient, name: string, opts?: OperationOptions): Promise<KeyVaultKey> {
  checkClient(client, "recoverDeletedKey");
  const options = optionsOf(opts, "recoverDeletedKey");
  checkName(name);
  return toKey(
    await request<RestKeyBundle>(client, "POST", `/deletedkeys/${name}/recover`, undefined, { signal: options.signal, idempotent: false }),
  );
}
