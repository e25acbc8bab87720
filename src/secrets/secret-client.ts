// SecretClient: the whole secrets API as methods, for apps that want one object. Apps that care
// about bundle size import the standalone functions instead (an app that only reads carries only getSecret).
import { KeyVaultClient } from "../client.js";
import { deleteSecret, getDeletedSecret, purgeDeletedSecret, recoverDeletedSecret } from "./deleted.js";
import {
  listDeletedSecrets,
  listPropertiesOfSecretVersions,
  listPropertiesOfSecrets,
  type ListOptions,
  type PagedAsyncIterable,
} from "./list.js";
import {
  backupSecret,
  getSecret,
  restoreSecretBackup,
  setSecret,
  updateSecretProperties,
  type GetSecretOptions,
  type SetSecretOptions,
  type UpdateSecretPropertiesOptions,
} from "./operations.js";
import type { DeletedSecret, DeletedSecretProperties, KeyVaultSecret, OperationOptions, SecretProperties } from "./types.js";
import type { WaitableOptions } from "./wait.js";

/**
 * A {@link KeyVaultClient} with every secret operation as a method, named as in
 * `@azure/keyvault-secrets` (deletion and recovery return their result, with an optional bounded
 * `wait`, instead of a poller).
 * @example
 * import { SecretClient } from "keyvault-fetch/secrets";
 * const secrets = new SecretClient("https://myvault.vault.azure.net", { getToken });
 * await secrets.setSecret("db-password", "hunter2");
 * const { value } = await secrets.getSecret("db-password");
 * await secrets.deleteSecret("db-password", { wait: true });
 * for await (const props of secrets.listPropertiesOfSecrets()) console.log(props.name);
 */
export class SecretClient extends KeyVaultClient {
  /**
   * See {@link getSecret}.
   * @example
   * const { value, properties } = await secretClient.getSecret("db-password");
   */
  getSecret(name: string, options?: GetSecretOptions): Promise<KeyVaultSecret> {
    return getSecret(this, name, options);
  }
  /**
   * See {@link setSecret}.
   * @example
   * const { properties } = await secretClient.setSecret("db-password", "hunter2", { contentType: "text/plain" });
   */
  setSecret(name: string, value: string, options?: SetSecretOptions): Promise<KeyVaultSecret> {
    return setSecret(this, name, value, options);
  }
  /**
   * See {@link updateSecretProperties}.
   * @example
   * await secretClient.updateSecretProperties("db-password", "", { enabled: false }); // "": the newest version
   */
  updateSecretProperties(name: string, version: string, options: UpdateSecretPropertiesOptions): Promise<SecretProperties> {
    return updateSecretProperties(this, name, version, options);
  }
  /**
   * See {@link deleteSecret}.
   * @example
   * await secretClient.deleteSecret("old-password", { wait: true });
   */
  deleteSecret(name: string, options?: WaitableOptions): Promise<DeletedSecret> {
    return deleteSecret(this, name, options);
  }
  /**
   * See {@link getDeletedSecret}.
   * @example
   * const { scheduledPurgeDate } = await secretClient.getDeletedSecret("old-password");
   */
  getDeletedSecret(name: string, options?: OperationOptions): Promise<DeletedSecret> {
    return getDeletedSecret(this, name, options);
  }
  /**
   * See {@link recoverDeletedSecret}.
   * @example
   * await secretClient.recoverDeletedSecret("old-password", { wait: true });
   */
  recoverDeletedSecret(name: string, options?: WaitableOptions): Promise<SecretProperties> {
    return recoverDeletedSecret(this, name, options);
  }
  /**
   * See {@link purgeDeletedSecret}.
   * @example
   * await secretClient.purgeDeletedSecret("old-password");
   */
  purgeDeletedSecret(name: string, options?: OperationOptions): Promise<void> {
    return purgeDeletedSecret(this, name, options);
  }
  /**
   * See {@link backupSecret}.
   * @example
   * const backup = await secretClient.backupSecret("db-password");
   */
  backupSecret(name: string, options?: OperationOptions): Promise<Uint8Array<ArrayBuffer>> {
    return backupSecret(this, name, options);
  }
  /**
   * See {@link restoreSecretBackup}.
   * @example
   * const properties = await secretClient.restoreSecretBackup(blob);
   */
  restoreSecretBackup(backup: Uint8Array, options?: OperationOptions): Promise<SecretProperties> {
    return restoreSecretBackup(this, backup, options);
  }
  /**
   * See {@link listPropertiesOfSecrets}.
   * @example
   * for await (const props of secretClient.listPropertiesOfSecrets()) console.log(props.name, props.updatedOn);
   */
  listPropertiesOfSecrets(options?: ListOptions): PagedAsyncIterable<SecretProperties> {
    return listPropertiesOfSecrets(this, options);
  }
  /**
   * See {@link listPropertiesOfSecretVersions}.
   * @example
   * for await (const v of secretClient.listPropertiesOfSecretVersions("db-password")) console.log(v.version, v.enabled);
   */
  listPropertiesOfSecretVersions(name: string, options?: ListOptions): PagedAsyncIterable<SecretProperties> {
    return listPropertiesOfSecretVersions(this, name, options);
  }
  /**
   * See {@link listDeletedSecrets}.
   * @example
   * for await (const d of secretClient.listDeletedSecrets()) console.log(d.name, d.scheduledPurgeDate);
   */
  listDeletedSecrets(options?: ListOptions): PagedAsyncIterable<DeletedSecretProperties> {
    return listDeletedSecrets(this, options);
  }
}
