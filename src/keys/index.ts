/**
 * keyvault-fetch/keys: typed helpers for every Key Vault key operation, as standalone functions
 * taking the client first (they tree-shake: an app that only signs carries only `sign`), as methods
 * of {@link KeyClient}, and on a {@link KeyHandle} that does public-key work with Web Crypto.
 * @module keyvault-fetch/keys
 * @example
 * import { KeyVaultClient } from "keyvault-fetch";
 * import { sign } from "keyvault-fetch/keys";
 * const client = new KeyVaultClient("https://myvault.vault.azure.net", { getToken });
 * const { result, kid } = await sign(client, "signer", "ES256", digest);
 */
export { KeyClient } from "./key-client.js";
export { KeyHandle, usable, MAX_CACHED_KEY_VERSIONS } from "./handle.js";
export type { KeyHandleOptions, LocalOptions } from "./handle.js";
export { createKey, createEcKey, createRsaKey, createOctKey, importKey } from "./create.js";
export type { CreateKeyOptions, ImportKeyOptions, KeyAttributesInput } from "./create.js";
export { getKey, updateKey, deleteKey, getKeyAttestation } from "./manage.js";
export type { UpdateKeyOptions } from "./manage.js";
export { getDeletedKey, purgeDeletedKey, recoverDeletedKey } from "./deleted.js";
export { listKeys, listKeyVersions, listDeletedKeys } from "./list.js";
export type { ListOptions, PageSettings, PagedAsyncIterable } from "./list.js";
export { backupKey, restoreKey } from "./backup.js";
export { rotateKey, getRotationPolicy, updateRotationPolicy } from "./rotation.js";
export { getRandomBytes } from "./random.js";
export { releaseKey } from "./release.js";
export type { ReleaseKeyOptions, ReleaseKeyResult, KeyExportEncryptionAlgorithm } from "./release.js";
export { sign, signData, digestFor } from "./sign.js";
export { verify, verifyData } from "./verify.js";
export { encrypt, decrypt, wrapKey, unwrapKey } from "./cipher.js";
export type { CipherOptions } from "./cipher.js";
export { verifyLocally, verifyDataLocally, encryptLocally, canVerifyLocally, canEncryptLocally } from "./local.js";
export { signatureSpec, encryptionSpec } from "./algorithms.js";
export type { SignatureSpec, EncryptionSpec, HashName } from "./algorithms.js";
export { parseKeyId } from "./ids.js";
export type { ParsedKeyId, KeyAddress } from "./ids.js";
export type * from "./types.js";
