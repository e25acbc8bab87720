// The vocabulary of keyvault-fetch/keys: literal unions that name what the service knows today
// and still accept new strings (`(string & {})`), so a new algorithm never needs a library update.
// Type-only module: it adds nothing to a bundle.
import type { Jwk } from "../web-types.js";

/**
 * Key types of api-version 2025-07-01. `-HSM` types live in an HSM; Managed HSM also takes `AES` on create.
 * @example
 * const keyType: KeyType = "EC-HSM";
 * await createKey(client, "hsm-signer", keyType, { curve: "P-256" });
 */
export type KeyType = "EC" | "EC-HSM" | "RSA" | "RSA-HSM" | "oct" | "oct-HSM" | "AES" | (string & {});

/**
 * Elliptic curves: `P-256K` is secp256k1.
 * @example
 * const curve: KeyCurveName = "P-384";
 * await createEcKey(client, "p384-signer", { curve });
 */
export type KeyCurveName = "P-256" | "P-384" | "P-521" | "P-256K" | (string & {});

/**
 * What a key may be used for (`key_ops`).
 * @example
 * const operations: KeyOperation[] = ["sign", "verify"];
 * await createEcKey(client, "signer", { keyOps: operations });
 */
export type KeyOperation = "encrypt" | "decrypt" | "sign" | "verify" | "wrapKey" | "unwrapKey" | "import" | "export" | (string & {});

/**
 * Signature algorithms. Each one fixes the digest length and the key:
 * RS/PS*: RSA; ES256: P-256, ES256K: P-256K, ES384: P-384, ES512: P-521;
 * *256: 32-byte digest, *384: 48, *512: 64.
 * @example
 * const algorithm: SignatureAlgorithm = "PS256";
 * const { result } = await signData(client, "rsa-signer", algorithm, data);
 */
export type SignatureAlgorithm =
  | "RS256"
  | "RS384"
  | "RS512"
  | "PS256"
  | "PS384"
  | "PS512"
  | "ES256"
  | "ES384"
  | "ES512"
  | "ES256K"
  | (string & {});

/**
 * Encryption algorithms: RSA ones for RSA keys, AES ones (Managed HSM) for oct keys.
 * @example
 * const algorithm: EncryptionAlgorithm = "RSA-OAEP-256";
 * const { result } = await encrypt(client, "rsa-key", algorithm, plaintext);
 */
export type EncryptionAlgorithm =
  | "RSA-OAEP"
  | "RSA-OAEP-256"
  | "RSA1_5"
  | "A128GCM"
  | "A192GCM"
  | "A256GCM"
  | "A128KW"
  | "A192KW"
  | "A256KW"
  | "A128CBC"
  | "A192CBC"
  | "A256CBC"
  | "A128CBCPAD"
  | "A192CBCPAD"
  | "A256CBCPAD"
  | "CKM_AES_KEY_WRAP"
  | "CKM_AES_KEY_WRAP_PAD"
  | (string & {});

/**
 * Key wrapping algorithms.
 * @example
 * const algorithm: KeyWrapAlgorithm = "RSA-OAEP-256";
 * const { result: wrapped } = await wrapKey(client, "kek", algorithm, dek);
 */
export type KeyWrapAlgorithm =
  | "RSA-OAEP"
  | "RSA-OAEP-256"
  | "RSA1_5"
  | "A128KW"
  | "A192KW"
  | "A256KW"
  | "CKM_AES_KEY_WRAP"
  | "CKM_AES_KEY_WRAP_PAD"
  | (string & {});

/**
 * Where a key may be recovered from after deletion (`recoveryLevel`).
 * @example
 * const { properties } = await getKey(client, "signer");
 * const level: DeletionRecoveryLevel | undefined = properties.recoveryLevel; // e.g. "Recoverable+Purgeable"
 */
export type DeletionRecoveryLevel =
  | "Purgeable"
  | "Recoverable+Purgeable"
  | "Recoverable"
  | "Recoverable+ProtectedSubscription"
  | "CustomizedRecoverable+Purgeable"
  | "CustomizedRecoverable"
  | "CustomizedRecoverable+ProtectedSubscription"
  | (string & {});

/**
 * Options every operation takes.
 * @example
 * const options: OperationOptions = { signal: AbortSignal.timeout(2000) };
 * const key = await getKey(client, "signer", undefined, options);
 */
export interface OperationOptions {
  /** Cancels the request. */
  signal?: AbortSignal;
}

/**
 * A secure key release policy. `data` is the policy document: bytes, or an object that is sent as JSON.
 * @example
 * const key = await createRsaKey(client, "exportable", {
 *   exportable: true,
 *   releasePolicy: { data: { version: "1.0.0", anyOf: [{ authority: "https://attest.example", allOf: [{ claim: "x-ms-sevsnpvm-is-debuggable", equals: "false" }] }] } },
 * });
 * key.properties.releasePolicy?.data; // the policy as bytes (JSON)
 */
export interface KeyReleasePolicy {
  /** Default `application/json; charset=utf-8`. */
  contentType?: string;
  /** The policy. Read back as bytes. */
  data?: Uint8Array<ArrayBuffer>;
  /** An immutable policy can never change again. */
  immutable?: boolean;
}

/**
 * The input form of {@link KeyReleasePolicy}: `data` may also be an object, sent as JSON.
 * @example
 * const releasePolicy: KeyReleasePolicyInput = { data: { version: "1.0.0", anyOf: [{ authority: "https://attest.example", allOf: [] }] }, immutable: false };
 * await createRsaKey(client, "exportable", { exportable: true, releasePolicy });
 */
export interface KeyReleasePolicyInput extends Omit<KeyReleasePolicy, "data"> {
  data: Uint8Array | Record<string, unknown>;
}

/**
 * Attestation blobs of an HSM key (Managed HSM / Premium), as bytes.
 * @example
 * const { properties } = await getKeyAttestation(client, "hsm-key");
 * const attestation: KeyAttestation | undefined = properties.attestation;
 * attestation?.certificatePemFile; // bytes: the HSM vendor's certificate chain
 */
export interface KeyAttestation {
  certificatePemFile?: Uint8Array<ArrayBuffer>;
  privateKeyAttestation?: Uint8Array<ArrayBuffer>;
  publicKeyAttestation?: Uint8Array<ArrayBuffer>;
  version?: string;
}

/**
 * A key's attributes and metadata, without key material (what list operations return).
 * @example
 * for await (const props of listKeys(client)) {
 *   const p: KeyProperties = props;
 *   if (p.expiresOn && p.expiresOn.getTime() < Date.now() + 30 * 864e5) console.warn(`${p.name} expires soon`);
 * }
 */
export interface KeyProperties {
  /** The key identifier: `https://{vault}/keys/{name}/{version}` (no version in `listKeys` items). */
  id: string;
  name: string;
  /** Empty when the identifier carries no version. */
  version: string;
  vaultUrl: string;
  enabled?: boolean;
  notBefore?: Date;
  expiresOn?: Date;
  createdOn?: Date;
  updatedOn?: Date;
  recoverableDays?: number;
  recoveryLevel?: DeletionRecoveryLevel;
  exportable?: boolean;
  /** RSA modulus bits or AES key bits, when the service says so. */
  keySize?: number;
  hsmPlatform?: string;
  tags?: Record<string, string>;
  /** True when the key's lifetime is managed by Key Vault (a certificate's key). */
  managed?: boolean;
  releasePolicy?: KeyReleasePolicy;
  attestation?: KeyAttestation;
}

/**
 * A key as the service returned it.
 * `key` is the public part as a standard JWK: `kty` is `RSA`, `EC` or `oct` (the `-HSM` variant is in
 * `keyType`), binary members are base64url, and `key_ops` is left out (it is in `keyOperations`), so
 * the JWK imports unchanged into `crypto.subtle.importKey("jwk", ...)` and `jose.importJWK`.
 * @example
 * const key: KeyVaultKey = await getKey(client, "signer");
 * key.id;            // https://myvault.vault.azure.net/keys/signer/<version>
 * key.key;           // the public JWK: { kty: "EC", crv: "P-256", x, y, kid }
 * key.keyOperations; // ["sign", "verify"]
 */
export interface KeyVaultKey {
  /** The key identifier with version, e.g. `https://myvault.vault.azure.net/keys/k/0123...`. */
  id: string;
  name: string;
  /** As the service says: `RSA-HSM`, `EC`, `oct-HSM`, ... */
  keyType: KeyType;
  keyOperations: KeyOperation[];
  /** Public key (no private members), standard JWK with `kid`. */
  key: Jwk & { kid?: string };
  properties: KeyProperties;
}

/**
 * What a deleted key adds: where to recover it from, and when it goes for good.
 * @example
 * const { recoveryId, deletedOn, scheduledPurgeDate }: DeletedKeyInfo = await getDeletedKey(client, "old-key");
 */
export interface DeletedKeyInfo {
  recoveryId?: string;
  deletedOn?: Date;
  scheduledPurgeDate?: Date;
}

/**
 * A deleted key (`getDeletedKey`, `deleteKey`).
 * @example
 * const deleted: DeletedKey = await deleteKey(client, "old-key");
 * deleted.recoveryId;         // https://myvault.vault.azure.net/deletedkeys/old-key
 * deleted.scheduledPurgeDate; // when it goes for good
 */
export interface DeletedKey extends KeyVaultKey, DeletedKeyInfo {}

/**
 * A deleted key as `listDeletedKeys` returns it: properties only.
 * @example
 * for await (const deleted of listDeletedKeys(client)) {
 *   const props: DeletedKeyProperties = deleted;
 *   console.log(props.name, props.deletedOn, props.scheduledPurgeDate);
 * }
 */
export interface DeletedKeyProperties extends KeyProperties, DeletedKeyInfo {}

/**
 * One rule of a rotation policy: do `action` at `timeAfterCreate` or `timeBeforeExpiry` (ISO 8601 durations).
 * @example
 * const action: KeyRotationLifetimeAction = { action: "Rotate", timeBeforeExpiry: "P30D" };
 * await updateRotationPolicy(client, "signer", { lifetimeActions: [action], expiresIn: "P90D" });
 */
export interface KeyRotationLifetimeAction {
  action: "Rotate" | "Notify" | (string & {});
  /** e.g. `P90D` */
  timeAfterCreate?: string;
  /** e.g. `P30D` */
  timeBeforeExpiry?: string;
}

/**
 * A key's rotation policy.
 * @example
 * const policy: KeyRotationPolicy = await getRotationPolicy(client, "signer");
 * policy.lifetimeActions; // [{ action: "Rotate", timeAfterCreate: "P90D" }, { action: "Notify", timeBeforeExpiry: "P30D" }]
 */
export interface KeyRotationPolicy {
  id?: string;
  lifetimeActions: KeyRotationLifetimeAction[];
  /** Expiry of new versions, an ISO 8601 duration (at least `P28D`), e.g. `P2Y`. */
  expiresIn?: string;
  createdOn?: Date;
  updatedOn?: Date;
}

/**
 * Result of a signature. `kid` is the exact key version that signed: store it to verify later.
 * @example
 * const { result: sig, kid: signedBy }: SignResult = await sign(client, "signer", "ES256", digest);
 * // store signedBy with the signature: it names the exact version
 */
export interface SignResult {
  algorithm: SignatureAlgorithm;
  kid: string;
  result: Uint8Array<ArrayBuffer>;
}

/**
 * Result of a verification. `local` tells whether Web Crypto answered without a request.
 * @example
 * const { result: valid, local }: VerifyResult = await handle.verify("ES256", digest, signature);
 */
export interface VerifyResult {
  algorithm: SignatureAlgorithm;
  kid: string;
  result: boolean;
  local: boolean;
}

/**
 * Result of an encryption: the ciphertext plus, for AES modes, the `iv`, `tag` and `aad` decrypt needs.
 * @example
 * const { result, kid: usedKid, local }: EncryptResult = await handle.encrypt("RSA-OAEP-256", plaintext);
 * // local: true when Web Crypto encrypted with the cached public key, no request
 */
export interface EncryptResult {
  algorithm: EncryptionAlgorithm;
  kid: string;
  result: Uint8Array<ArrayBuffer>;
  iv?: Uint8Array<ArrayBuffer>;
  tag?: Uint8Array<ArrayBuffer>;
  aad?: Uint8Array<ArrayBuffer>;
  local: boolean;
}

/**
 * Result of a decryption.
 * @example
 * const { result: plaintext, kid: usedKid }: DecryptResult = await decrypt(client, kid, "RSA-OAEP-256", ciphertext);
 */
export interface DecryptResult {
  algorithm: EncryptionAlgorithm;
  kid: string;
  result: Uint8Array<ArrayBuffer>;
}

/**
 * Result of wrapping a key.
 * @example
 * const { result: wrappedKey, kid: kekVersion, local }: WrapResult = await handle.wrapKey("RSA-OAEP-256", dek);
 */
export interface WrapResult {
  algorithm: KeyWrapAlgorithm;
  kid: string;
  result: Uint8Array<ArrayBuffer>;
  local: boolean;
}

/**
 * Result of unwrapping a key.
 * @example
 * const { result: contentKey }: UnwrapResult = await unwrapKey(client, kid, "RSA-OAEP-256", wrapped);
 */
export interface UnwrapResult {
  algorithm: KeyWrapAlgorithm;
  kid: string;
  result: Uint8Array<ArrayBuffer>;
}

export type { Page } from "../paging.js";
