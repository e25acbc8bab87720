// SecretClient: the whole secrets API as methods, for apps that want one object. Apps that care
// about bundle size import the standalone functions instead (an app that only reads carries only getSecret).
import { KeyVaultClient } from "../client.js";
import { deleteSecret, getDeletedSecret, purgeDeletedSecret, recoverDeletedSecret } from "./deleted.js";
import { listDeletedSecrets, listPropertiesOfSecretVersions, listPropertiesOfSecrets, type ListOptions, type PagedAsyncIterable } from "./list.js";
import {
  backupSecret, getSecret, restoreSecretBackup, setSecret, updateSecretProperties,
  type GetSecretOptions, type SetSecretOptions, type UpdateSecretPropertiesOptions,
} from "./operations.js";
import type { DeletedSecret, DeletedSecretProperties, KeyVaultSecret, OperationOptions, SecretProperties } from "./types.js";
import type { WaitableOptions } from "./wait.js";

/**
 * A {@link KeyVaultClient} with every secret operation as a method, named as in
 * `@azure/keyvault-secrets` (deletion and recovery return their result, with an optional bounded
 * `wait`, instead of a poller).
 * @example
 * import { SecretClient } from "keyvault-fetch/secrets";
 * const client = new SecretClient("https://myvault.vault.azure.net", { getToken });
 * await client.setSecret("db-password", "hunter2");
 * const { value } = await client.getSecret("db-password");
 * await client.deleteSecret("db-password", { wait: true });
 * for await (const props of client.listPropertiesOfSecrets()) console.log(props.name);
 */
export class SecretClient extends KeyVaultClient {
  /** See {@link getSecret}. */
  getSecret(name: string, options?: GetSecretOptions): Promise<KeyVaultSecret> { return getSecret(this, name, options); }
  /** See {@link setSecret}. */
  setSecret(name: string, value: string, options?: SetSecretOptions): Promise<KeyVaultSecret> { return setSecret(this, name, value, options); }
  /** See {@link updateSecretProperties}. */
  updateSecretProperties(name: string, version: string, options: UpdateSecretPropertiesOptions): Promise<SecretProperties> { return updateSecretProperties(this, name, version, options); }
  /** See {@link deleteSecret}. */
  deleteSecret(name: string, options?: WaitableOptions): Promise<DeletedSecret> { return deleteSecret(this, name, options); }
  /** See {@link getDeletedSecret}. */
  getDeletedSecret(name: string, options?: OperationOptions): Promise<DeletedSecret> { return getDeletedSecret(this, name, options); }
  /** See {@link recoverDeletedSecret}. */
  recoverDeletedSecret(name: string, options?: WaitableOptions): Promise<SecretProperties> { return recoverDeletedSecret(this, name, options); }
  /** See {@link purgeDeletedSecret}. */
  purgeDeletedSecret(name: string, options?: OperationOptions): Promise<void> { return purgeDeletedSecret(this, name, options); }
  /** See {@link backupSecret}. */
  backupSecret(name: string, options?: OperationOptions): Promise<Uint8Array<ArrayBuffer>> { return backupSecret(this, name, options); }
  /** See {@link restoreSecretBackup}. */
  restoreSecretBackup(backup: Uint8Array, options?: OperationOptions): Promise<SecretProperties> { return restoreSecretBackup(this, backup, options); }
  /** See {@link listPropertiesOfSecrets}. */
  listPropertiesOfSecrets(options?: ListOptions): PagedAsyncIterable<SecretProperties> { return listPropertiesOfSecrets(this, options); }
  /** See {@link listPropertiesOfSecretVersions}. */
  listPropertiesOfSecretVersions(name: string, options?: ListOptions): PagedAsyncIterable<SecretProperties> { return listPropertiesOfSecretVersions(this, name, options); }
  /** See {@link listDeletedSecrets}. */
  listDeletedSecrets(options?: ListOptions): PagedAsyncIterable<DeletedSecretProperties> { return listDeletedSecrets(this, options); }
}
