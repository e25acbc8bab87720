// Backup and restore: an opaque, encrypted blob that only a vault in the same geography and
// subscription can restore.
import type { KeyVaultClient } from "../client.js";
import { base64UrlDecode, base64UrlEncode } from "../encoding.js";
import { checkBytes } from "./algorithms.js";
import { checkName } from "./ids.js";
import { toKey, type RestKeyBundle } from "./model.js";
import type { KeyVaultKey, OperationOptions } from "./types.js";
import { request } from "../request.js";
import { answerStrings, checkClient, optionsOf } from "../input.js";

/**
 * Backs up a key with all its versions.
 * @example const blob = await backupKey(client, "signer"); // Uint8Array, store it safely
 */
export async function backupKey(client: KeyVaultClient, name: string, opts?: OperationOptions): Promise<Uint8Array<ArrayBuffer>> {
  checkClient(client, "backupKey");
  const options = optionsOf(opts, "backupKey");
  checkName(name);
  const res = answerStrings<{ value: string }>(
    await request(client, "POST", `/keys/${name}/backup`, undefined, { signal: options.signal }),
    "a backup",
    "value",
  );
  return base64UrlDecode(res.value);
}

/**
 * Restores a key from {@link backupKey}'s blob (the name must be free: purge a deleted key first).
 * @example const key = await restoreKey(client, blob);
 */
export async function restoreKey(client: KeyVaultClient, backup: Uint8Array, opts?: OperationOptions): Promise<KeyVaultKey> {
  checkClient(client, "restoreKey");
  const options = optionsOf(opts, "restoreKey");
  checkBytes(backup, "backup");
  return toKey(
    await request<RestKeyBundle>(
      client,
      "POST",
      "/keys/restore",
      { value: base64UrlEncode(backup) },
      { signal: options.signal, idempotent: false },
    ),
  );
}
