/**
 * keyvault-fetch/secrets: every Key Vault secret operation as standalone functions taking the
 * client first (an app that only reads carries only `getSecret`), as methods of
 * {@link SecretClient}, and {@link SecretCache}: values served from memory, safe on Workers, with an
 * optional sealed store shared by isolates.
 * @module keyvault-fetch/secrets
 * @example
 * import { KeyVaultClient } from "keyvault-fetch";
 * import { getSecret } from "keyvault-fetch/secrets";
 * const client = new KeyVaultClient("https://myvault.vault.azure.net", { getToken });
 * const { value } = await getSecret(client, "db-password");
 */
export { SecretClient } from "./secret-client.js";
export { getSecret, setSecret, updateSecretProperties, backupSecret, restoreSecretBackup, MAX_SECRET_BYTES } from "./operations.js";
export type { GetSecretOptions, SetSecretOptions, UpdateSecretPropertiesOptions, SecretPropertiesInput } from "./operations.js";
export { deleteSecret, getDeletedSecret, recoverDeletedSecret, purgeDeletedSecret } from "./deleted.js";
export type { WaitOptions, WaitableOptions } from "./wait.js";
export { listPropertiesOfSecrets, listPropertiesOfSecretVersions, listDeletedSecrets } from "./list.js";
export type { ListOptions, PageSettings, PagedAsyncIterable } from "./list.js";
export { parseSecretId, parseSecretId as parseKeyVaultSecretIdentifier } from "./ids.js";
export type { ParsedSecretId, SecretAddress } from "./ids.js";
export { SecretCache } from "./cache.js";
export type { SecretCacheOptions, CachedSecretOptions, SecretCacheStats } from "./cache.js";
export { workersCacheStore, workersKvStore, denoKvStore } from "./store.js";
export type { SharedStore, CacheLike, KvNamespaceLike, DenoKvLike } from "./store.js";
export type { SealingKeyInput } from "./seal.js";
export type * from "./types.js";
