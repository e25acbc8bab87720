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
  DecryptResult,
  DeletedKey,
  DeletedKeyProperties,
  EncryptResult,
  EncryptionAlgorithm,
  KeyProperties,
  KeyRotationPolicy,
  KeyType,
  KeyVaultKey,
  KeyWrapAlgorithm,
  OperationOptions,
  SignResult,
  SignatureAlgorithm,
  UnwrapResult,
  VerifyResult,
  WrapResult,
} from "./types.js";

/**
 * A {@link KeyVaultClient} with every key operation as a method, and `key()` for a
 * {@link KeyHandle} that does public-key work locally.
 * @example
 * import { KeyClient } from "keyvault-fetch/keys";
 * const keys = new KeyClient("https://myvault.vault.azure.net", { getToken });
 * await keys.createEcKey("signer", { curve: "P-256" });
 * const signer = keys.key("signer");
 * const { result: signature, kid } = await signer.signData("ES256", data);
 * const { result: valid } = await keys.key(kid).verifyData("ES256", data, signature); // no request
 * for await (const props of keys.listKeys()) console.log(props.name);
 */
export class KeyClient extends KeyVaultClient {
  /**
   * A handle on one key (newest version unless `version`, or a version in `key`).
   * @example
   * const { result: signature, kid } = await keyClient.key("signer").signData("ES256", data);
   */
  key(key: string, version?: string, options?: KeyHandleOptions): KeyHandle {
    return new KeyHandle(this, key, version, options);
  }

  /**
   * See {@link createKey}.
   * @example
   * const key = await keyClient.createKey("signer", "EC", { curve: "P-384" });
   */
  createKey(name: string, keyType: KeyType, options?: CreateKeyOptions): Promise<KeyVaultKey> {
    return createKey(this, name, keyType, options);
  }
  /**
   * See {@link createEcKey}.
   * @example
   * const key = await keyClient.createEcKey("signer", { curve: "P-256" });
   */
  createEcKey(name: string, options?: Omit<CreateKeyOptions, "keySize" | "publicExponent">): Promise<KeyVaultKey> {
    return createEcKey(this, name, options);
  }
  /**
   * See {@link createRsaKey}.
   * @example
   * const key = await keyClient.createRsaKey("wrapper", { keySize: 3072 });
   */
  createRsaKey(name: string, options?: Omit<CreateKeyOptions, "curve">): Promise<KeyVaultKey> {
    return createRsaKey(this, name, options);
  }
  /**
   * See {@link createOctKey}.
   * @example
   * const key = await keyClient.createOctKey("aes", { keySize: 256 }); // Managed HSM
   */
  createOctKey(name: string, options?: Omit<CreateKeyOptions, "curve" | "publicExponent">): Promise<KeyVaultKey> {
    return createOctKey(this, name, options);
  }
  /**
   * See {@link importKey}.
   * @example
   * const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
   * await keyClient.importKey("imported", await crypto.subtle.exportKey("jwk", pair.privateKey));
   */
  importKey(name: string, jwk: JwkInput, options?: ImportKeyOptions): Promise<KeyVaultKey> {
    return importKey(this, name, jwk, options);
  }
  /**
   * See {@link getKey}.
   * @example
   * const { key: jwk, properties } = await keyClient.getKey("signer");
   */
  getKey(key: string, version?: string, options?: OperationOptions): Promise<KeyVaultKey> {
    return getKey(this, key, version, options);
  }
  /**
   * See {@link updateKey}.
   * @example
   * await keyClient.updateKey("signer", { tags: { team: "payments" } });
   */
  updateKey(key: string, options: UpdateKeyOptions): Promise<KeyVaultKey> {
    return updateKey(this, key, options);
  }
  /**
   * See {@link deleteKey}.
   * @example
   * const { scheduledPurgeDate } = await keyClient.deleteKey("old-key");
   */
  deleteKey(name: string, options?: OperationOptions): Promise<DeletedKey> {
    return deleteKey(this, name, options);
  }
  /**
   * See {@link getDeletedKey}.
   * @example
   * const { recoveryId } = await keyClient.getDeletedKey("old-key");
   */
  getDeletedKey(name: string, options?: OperationOptions): Promise<DeletedKey> {
    return getDeletedKey(this, name, options);
  }
  /**
   * See {@link purgeDeletedKey}.
   * @example
   * await keyClient.purgeDeletedKey("old-key");
   */
  purgeDeletedKey(name: string, options?: OperationOptions): Promise<void> {
    return purgeDeletedKey(this, name, options);
  }
  /**
   * See {@link recoverDeletedKey}.
   * @example
   * const key = await keyClient.recoverDeletedKey("old-key");
   */
  recoverDeletedKey(name: string, options?: OperationOptions): Promise<KeyVaultKey> {
    return recoverDeletedKey(this, name, options);
  }
  /**
   * See {@link listKeys}.
   * @example
   * for await (const props of keyClient.listKeys()) console.log(props.name);
   */
  listKeys(options?: ListOptions): PagedAsyncIterable<KeyProperties> {
    return listKeys(this, options);
  }
  /**
   * See {@link listKeyVersions}.
   * @example
   * for await (const v of keyClient.listKeyVersions("signer")) console.log(v.version, v.enabled);
   */
  listKeyVersions(name: string, options?: ListOptions): PagedAsyncIterable<KeyProperties> {
    return listKeyVersions(this, name, options);
  }
  /**
   * See {@link listDeletedKeys}.
   * @example
   * for await (const d of keyClient.listDeletedKeys()) console.log(d.name, d.scheduledPurgeDate);
   */
  listDeletedKeys(options?: ListOptions): PagedAsyncIterable<DeletedKeyProperties> {
    return listDeletedKeys(this, options);
  }
  /**
   * See {@link backupKey}.
   * @example
   * const backup = await keyClient.backupKey("signer");
   */
  backupKey(name: string, options?: OperationOptions): Promise<Uint8Array<ArrayBuffer>> {
    return backupKey(this, name, options);
  }
  /**
   * See {@link restoreKey}.
   * @example
   * const key = await keyClient.restoreKey(blob);
   */
  restoreKey(backup: Uint8Array, options?: OperationOptions): Promise<KeyVaultKey> {
    return restoreKey(this, backup, options);
  }
  /**
   * See {@link rotateKey}.
   * @example
   * const { properties } = await keyClient.rotateKey("signer"); // a new version
   */
  rotateKey(name: string, options?: OperationOptions): Promise<KeyVaultKey> {
    return rotateKey(this, name, options);
  }
  /**
   * See {@link getRotationPolicy}.
   * @example
   * const { lifetimeActions, expiresIn } = await keyClient.getRotationPolicy("signer");
   */
  getRotationPolicy(name: string, options?: OperationOptions): Promise<KeyRotationPolicy> {
    return getRotationPolicy(this, name, options);
  }
  /**
   * See {@link updateRotationPolicy}.
   * @example
   * await keyClient.updateRotationPolicy("signer", { lifetimeActions: [{ action: "Rotate", timeAfterCreate: "P90D" }], expiresIn: "P1Y" });
   */
  updateRotationPolicy(
    name: string,
    policy: Pick<KeyRotationPolicy, "lifetimeActions" | "expiresIn">,
    options?: OperationOptions,
  ): Promise<KeyRotationPolicy> {
    return updateRotationPolicy(this, name, policy, options);
  }
  /**
   * See {@link getRandomBytes}.
   * @example
   * const nonce = await keyClient.getRandomBytes(16); // Managed HSM
   */
  getRandomBytes(count: number, options?: OperationOptions): Promise<Uint8Array<ArrayBuffer>> {
    return getRandomBytes(this, count, options);
  }
  /**
   * See {@link releaseKey}.
   * @example
   * const { value: jws } = await keyClient.releaseKey("exportable", attestationJwt);
   */
  releaseKey(key: string, targetAttestationToken: string, options?: ReleaseKeyOptions): Promise<ReleaseKeyResult> {
    return releaseKey(this, key, targetAttestationToken, options);
  }
  /**
   * See {@link getKeyAttestation}.
   * @example
   * const { properties } = await keyClient.getKeyAttestation("hsm-key");
   */
  getKeyAttestation(key: string, version?: string, options?: OperationOptions): Promise<KeyVaultKey> {
    return getKeyAttestation(this, key, version, options);
  }

  /**
   * Signs a digest in the service; see {@link sign}.
   * @example
   * const { result: signature, kid } = await keyClient.sign("signer", "ES256", digest);
   */
  sign(key: string, algorithm: SignatureAlgorithm, digest: Uint8Array, options?: OperationOptions): Promise<SignResult> {
    return sign(this, key, algorithm, digest, options);
  }
  /**
   * Hashes and signs; see {@link signData}.
   * @example
   * const { result: signature, kid } = await keyClient.signData("signer", "ES256", data);
   */
  signData(key: string, algorithm: SignatureAlgorithm, data: Uint8Array, options?: OperationOptions): Promise<SignResult> {
    return signData(this, key, algorithm, data, options);
  }
  /**
   * Verifies in the service; for local verification use `key(kid).verify`. See {@link verify}.
   * @example
   * const { result: valid } = await keyClient.verify(kid, "ES256", digest, signature);
   */
  verify(
    key: string,
    algorithm: SignatureAlgorithm,
    digest: Uint8Array,
    signature: Uint8Array,
    options?: OperationOptions,
  ): Promise<VerifyResult> {
    return verify(this, key, algorithm, digest, signature, options);
  }
  /**
   * Hashes and verifies in the service; see {@link verifyData}.
   * @example
   * const { result: valid } = await keyClient.verifyData(kid, "ES256", data, signature);
   */
  verifyData(
    key: string,
    algorithm: SignatureAlgorithm,
    data: Uint8Array,
    signature: Uint8Array,
    options?: OperationOptions,
  ): Promise<VerifyResult> {
    return verifyData(this, key, algorithm, data, signature, options);
  }
  /**
   * Encrypts in the service; for local RSA-OAEP use `key(name).encrypt`. See {@link encrypt}.
   * @example
   * const { result: ciphertext, kid } = await keyClient.encrypt("rsa-key", "RSA-OAEP-256", plaintext);
   */
  encrypt(key: string, algorithm: EncryptionAlgorithm, plaintext: Uint8Array, options?: CipherOptions): Promise<EncryptResult> {
    return encrypt(this, key, algorithm, plaintext, options);
  }
  /**
   * Decrypts in the service; see {@link decrypt}.
   * @example
   * const { result: plaintext } = await keyClient.decrypt(kid, "RSA-OAEP-256", ciphertext);
   */
  decrypt(key: string, algorithm: EncryptionAlgorithm, ciphertext: Uint8Array, options?: CipherOptions): Promise<DecryptResult> {
    return decrypt(this, key, algorithm, ciphertext, options);
  }
  /**
   * Wraps in the service; see {@link wrapKey}.
   * @example
   * const { result: wrapped, kid } = await keyClient.wrapKey("kek", "RSA-OAEP-256", dek);
   */
  wrapKey(key: string, algorithm: KeyWrapAlgorithm, keyToWrap: Uint8Array, options?: OperationOptions): Promise<WrapResult> {
    return wrapKey(this, key, algorithm, keyToWrap, options);
  }
  /**
   * Unwraps in the service; see {@link unwrapKey}.
   * @example
   * const { result: dek } = await keyClient.unwrapKey(kid, "RSA-OAEP-256", wrapped);
   */
  unwrapKey(key: string, algorithm: KeyWrapAlgorithm, wrappedKey: Uint8Array, options?: OperationOptions): Promise<UnwrapResult> {
    return unwrapKey(this, key, algorithm, wrappedKey, options);
  }
}
