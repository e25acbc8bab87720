// KeyClient: the whole keys API as methods, for apps that want one object. Apps that care about
// bundle size import the standalone functions instead (an app that only signs carries only sign).
import { KeyVaultClient } from "../client.js";
import { backupKey, restoreKey } from "./backup.js";
import { decrypt, encrypt, unwrapKey, wrapKey, type CipherOptions } from "./cipher.js";
import { createEcKey, createKey, createOctKey, createRsaKey, importKey, type CreateKeyOptions, type ImportKeyOptions } from "./create.js";
import { getDeletedKey, purgeDeletedKey, recoverDeletedKey } from "./deleted.js";
import { KeyHandle, type KeyHandleOptions } from "./handle.js";
import { listDeletedKeys, listKeyVersions, listKeys, type ListOptions, type PagedAsyncIterable } from "./list.js";
import { deleteKey, getKey, getKeyAttestation, updateKey, type UpdateKeyOptions } from "./manage.js";
import { getRandomBytes } from "./random.js";
import { releaseKey, type ReleaseKeyOptions, type ReleaseKeyResult } from "./release.js";
import { getRotationPolicy, rotateKey, updateRotationPolicy } from "./rotation.js";
import { sign, signData } from "./sign.js";
import { verify, verifyData } from "./verify.js";
import type { JwkInput } from "../web-types.js";
import type {
  DecryptResult, DeletedKey, DeletedKeyProperties, EncryptResult, EncryptionAlgorithm, KeyProperties, KeyRotationPolicy,
  KeyType, KeyVaultKey, KeyWrapAlgorithm, OperationOptions, SignResult, SignatureAlgorithm, UnwrapResult, VerifyResult, WrapResult,
} from "./types.js";

/**
 * A {@link KeyVaultClient} with every key operation as a method, and `key()` for a
 * {@link KeyHandle} that does public-key work locally.
 * @example
 * import { KeyClient } from "keyvault-fetch/keys";
 * const client = new KeyClient("https://myvault.vault.azure.net", { getToken });
 * await client.createEcKey("signer", { curve: "P-256" });
 * const signer = client.key("signer");
 * const { result: signature, kid } = await signer.signData("ES256", data);
 * const { result: valid } = await client.key(kid).verifyData("ES256", data, signature); // no request
 * for await (const props of client.listKeys()) console.log(props.name);
 */
export class KeyClient extends KeyVaultClient {
  /** A handle on one key (newest version unless `version`, or a version in `key`). */
  key(key: string, version?: string, options?: KeyHandleOptions): KeyHandle {
    return new KeyHandle(this, key, version, options);
  }

  /** See {@link createKey}. */
  createKey(name: string, keyType: KeyType, options?: CreateKeyOptions): Promise<KeyVaultKey> { return createKey(this, name, keyType, options); }
  /** See {@link createEcKey}. */
  createEcKey(name: string, options?: Omit<CreateKeyOptions, "keySize" | "publicExponent">): Promise<KeyVaultKey> { return createEcKey(this, name, options); }
  /** See {@link createRsaKey}. */
  createRsaKey(name: string, options?: Omit<CreateKeyOptions, "curve">): Promise<KeyVaultKey> { return createRsaKey(this, name, options); }
  /** See {@link createOctKey}. */
  createOctKey(name: string, options?: Omit<CreateKeyOptions, "curve" | "publicExponent">): Promise<KeyVaultKey> { return createOctKey(this, name, options); }
  /** See {@link importKey}. */
  importKey(name: string, jwk: JwkInput & Record<string, unknown>, options?: ImportKeyOptions): Promise<KeyVaultKey> { return importKey(this, name, jwk, options); }
  /** See {@link getKey}. */
  getKey(key: string, version?: string, options?: OperationOptions): Promise<KeyVaultKey> { return getKey(this, key, version, options); }
  /** See {@link updateKey}. */
  updateKey(key: string, options: UpdateKeyOptions): Promise<KeyVaultKey> { return updateKey(this, key, options); }
  /** See {@link deleteKey}. */
  deleteKey(name: string, options?: OperationOptions): Promise<DeletedKey> { return deleteKey(this, name, options); }
  /** See {@link getDeletedKey}. */
  getDeletedKey(name: string, options?: OperationOptions): Promise<DeletedKey> { return getDeletedKey(this, name, options); }
  /** See {@link purgeDeletedKey}. */
  purgeDeletedKey(name: string, options?: OperationOptions): Promise<void> { return purgeDeletedKey(this, name, options); }
  /** See {@link recoverDeletedKey}. */
  recoverDeletedKey(name: string, options?: OperationOptions): Promise<KeyVaultKey> { return recoverDeletedKey(this, name, options); }
  /** See {@link listKeys}. */
  listKeys(options?: ListOptions): PagedAsyncIterable<KeyProperties> { return listKeys(this, options); }
  /** See {@link listKeyVersions}. */
  listKeyVersions(name: string, options?: ListOptions): PagedAsyncIterable<KeyProperties> { return listKeyVersions(this, name, options); }
  /** See {@link listDeletedKeys}. */
  listDeletedKeys(options?: ListOptions): PagedAsyncIterable<DeletedKeyProperties> { return listDeletedKeys(this, options); }
  /** See {@link backupKey}. */
  backupKey(name: string, options?: OperationOptions): Promise<Uint8Array<ArrayBuffer>> { return backupKey(this, name, options); }
  /** See {@link restoreKey}. */
  restoreKey(backup: Uint8Array, options?: OperationOptions): Promise<KeyVaultKey> { return restoreKey(this, backup, options); }
  /** See {@link rotateKey}. */
  rotateKey(name: string, options?: OperationOptions): Promise<KeyVaultKey> { return rotateKey(this, name, options); }
  /** See {@link getRotationPolicy}. */
  getRotationPolicy(name: string, options?: OperationOptions): Promise<KeyRotationPolicy> { return getRotationPolicy(this, name, options); }
  /** See {@link updateRotationPolicy}. */
  updateRotationPolicy(name: string, policy: Pick<KeyRotationPolicy, "lifetimeActions" | "expiresIn">, options?: OperationOptions): Promise<KeyRotationPolicy> {
    return updateRotationPolicy(this, name, policy, options);
  }
  /** See {@link getRandomBytes}. */
  getRandomBytes(count: number, options?: OperationOptions): Promise<Uint8Array<ArrayBuffer>> { return getRandomBytes(this, count, options); }
  /** See {@link releaseKey}. */
  releaseKey(key: string, targetAttestationToken: string, options?: ReleaseKeyOptions): Promise<ReleaseKeyResult> { return releaseKey(this, key, targetAttestationToken, options); }
  /** See {@link getKeyAttestation}. */
  getKeyAttestation(key: string, version?: string, options?: OperationOptions): Promise<KeyVaultKey> { return getKeyAttestation(this, key, version, options); }

  /** Signs a digest in the service; see {@link sign}. */
  sign(key: string, algorithm: SignatureAlgorithm, digest: Uint8Array, options?: OperationOptions): Promise<SignResult> { return sign(this, key, algorithm, digest, options); }
  /** Hashes and signs; see {@link signData}. */
  signData(key: string, algorithm: SignatureAlgorithm, data: Uint8Array, options?: OperationOptions): Promise<SignResult> { return signData(this, key, algorithm, data, options); }
  /** Verifies in the service; for local verification use `key(kid).verify`. See {@link verify}. */
  verify(key: string, algorithm: SignatureAlgorithm, digest: Uint8Array, signature: Uint8Array, options?: OperationOptions): Promise<VerifyResult> {
    return verify(this, key, algorithm, digest, signature, options);
  }
  /** Hashes and verifies in the service; see {@link verifyData}. */
  verifyData(key: string, algorithm: SignatureAlgorithm, data: Uint8Array, signature: Uint8Array, options?: OperationOptions): Promise<VerifyResult> {
    return verifyData(this, key, algorithm, data, signature, options);
  }
  /** Encrypts in the service; for local RSA-OAEP use `key(name).encrypt`. See {@link encrypt}. */
  encrypt(key: string, algorithm: EncryptionAlgorithm, plaintext: Uint8Array, options?: CipherOptions): Promise<EncryptResult> { return encrypt(this, key, algorithm, plaintext, options); }
  /** Decrypts in the service; see {@link decrypt}. */
  decrypt(key: string, algorithm: EncryptionAlgorithm, ciphertext: Uint8Array, options?: CipherOptions): Promise<DecryptResult> { return decrypt(this, key, algorithm, ciphertext, options); }
  /** Wraps in the service; see {@link wrapKey}. */
  wrapKey(key: string, algorithm: KeyWrapAlgorithm, keyToWrap: Uint8Array, options?: OperationOptions): Promise<WrapResult> { return wrapKey(this, key, algorithm, keyToWrap, options); }
  /** Unwraps in the service; see {@link unwrapKey}. */
  unwrapKey(key: string, algorithm: KeyWrapAlgorithm, wrappedKey: Uint8Array, options?: OperationOptions): Promise<UnwrapResult> { return unwrapKey(this, key, algorithm, wrappedKey, options); }
}
