// KeyHandle: one key (optionally one version) with every crypto operation. Public-key work
// (verify, encrypt and wrap with RSA-OAEP) runs locally from the cached public key; the rest goes
// to the service. The cache holds resolved keys, never promises (a Workers request must not await
// a promise made by another request).
import type { KeyVaultClient } from "../client.js";
import { KeyVaultClientError } from "../errors.js";
import {
  checkBytes,
  checkCipherInput,
  checkEncryptionKey,
  checkSignInput,
  checkSignatureKey,
  encryptionSpec,
  signatureSpec,
} from "./algorithms.js";
import { decrypt, encrypt, unwrapKey, wrapKey, type CipherOptions } from "./cipher.js";
import { keyIdOf, resolveKey, type KeyAddress } from "./ids.js";
import { canEncryptLocally, canVerifyLocally, encryptLocally, verifyDataLocally, verifyLocally } from "./local.js";
import { getKey } from "./manage.js";
import { digestFor, sign } from "./sign.js";
import { verify } from "./verify.js";
import { STORE_TIMEOUT_MS, storeGet, storePut, type SharedStore } from "../secrets/store.js";
import { checkClient, checkType, checkVersion, describe, optionsOf } from "../input.js";
import type {
  DecryptResult,
  EncryptResult,
  EncryptionAlgorithm,
  KeyOperation,
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
 * Options of a {@link KeyHandle}.
 * @example
 * const options: KeyHandleOptions = { latestMaxAgeMs: 60_000, store: workersKvStore(env.SECRET_CACHE), storeTtlSeconds: 600 };
 * const verifier = new KeyHandle(client, "signer", undefined, options);
 */
export interface KeyHandleOptions {
  /** Send every operation to the service, never use local crypto. */
  remote?: boolean;
  /**
   * A handle without a version looks up the newest version before each local operation, so a
   * rotation takes effect at once. This lets it reuse that answer for so many milliseconds
   * (`Infinity`: resolve once, then stay on that version). Default 0. Handles with a version
   * cache their key for their lifetime (key material of a version never changes).
   */
  latestMaxAgeMs?: number;
  /**
   * A store shared by isolates (Workers Cache API, KV, Deno KV: see `keyvault-fetch/secrets`) for
   * the public key of each version this handle meets, so a fleet verifying signatures reads each
   * version from the vault once per `storeTtlSeconds` rather than once per isolate. Public data
   * only, kept unsealed: the store must be writable by your app alone (a key in it decides what verifies).
   * A store that fails, or has not answered within 500 ms, is a miss: the vault is read instead.
   */
  store?: SharedStore;
  /** How long a public key stays in `store`, in seconds (default 300; `enabled`/`exp` changes show after it). */
  storeTtlSeconds?: number;
}

/**
 * Per-call option of the operations that may run locally.
 * @example
 * const options: LocalOptions = { remote: true }; // ask the service, e.g. to audit the call there
 * const { result } = await handle.verify("ES256", digest, signature, options);
 */
export interface LocalOptions extends OperationOptions {
  /** Send this call to the service. */
  remote?: boolean;
}

/**
 * The most key versions a client keeps for its handles (least recently used go first).
 * @example MAX_CACHED_KEY_VERSIONS // 1000: a verifier meeting more kids re-reads the oldest
 */
export const MAX_CACHED_KEY_VERSIONS = 1000;

// Keys by version, per client: shared by every handle of that client, bounded (LRU).
const versions = new WeakMap<KeyVaultClient, Map<string, KeyVaultKey>>();
const cacheKey = (name: string, version: string) => `${name}/${version}`.toLowerCase();

function remember(client: KeyVaultClient, key: KeyVaultKey): void {
  let byVersion = versions.get(client);
  if (!byVersion) versions.set(client, (byVersion = new Map()));
  const k = cacheKey(key.name, key.properties.version);
  byVersion.delete(k);
  byVersion.set(k, key);
  if (byVersion.size > MAX_CACHED_KEY_VERSIONS) byVersion.delete(byVersion.keys().next().value!);
}

function recall(client: KeyVaultClient, name: string, version: string): KeyVaultKey | undefined {
  const byVersion = versions.get(client);
  const k = cacheKey(name, version);
  const hit = byVersion?.get(k);
  if (hit) {
    byVersion!.delete(k);
    byVersion!.set(k, hit);
  }
  return hit;
}

// A public key in a shared store: JSON, with Dates and bytes tagged so they come back as they were.
const storeKeyOf = (id: string) => `kvf-pubkey1:${id.toLowerCase()}`;
function encodeKey(key: KeyVaultKey): string {
  return JSON.stringify(key, function (this: Record<string, unknown>, k, v) {
    const raw = this[k];
    if (raw instanceof Date) return { $date: raw.getTime() };
    if (raw instanceof Uint8Array) return { $bytes: Array.from(raw) };
    return v;
  });
}
function decodeKey(text: string, name: string, version: string): KeyVaultKey | undefined {
  try {
    const key = JSON.parse(text, (_k, v) =>
      v && typeof v === "object" && typeof v.$date === "number"
        ? new Date(v.$date)
        : v && typeof v === "object" && Array.isArray(v.$bytes)
          ? new Uint8Array(v.$bytes)
          : v,
    ) as KeyVaultKey;
    // Only the version asked for, in a shape we wrote; anything else is ignored and read from the vault.
    if (
      typeof key?.id !== "string" ||
      typeof key.name !== "string" ||
      key.name.toLowerCase() !== name.toLowerCase() ||
      typeof key.properties?.version !== "string" ||
      key.properties.version.toLowerCase() !== version.toLowerCase() ||
      typeof key.key?.kty !== "string" ||
      !Array.isArray(key.keyOperations)
    )
      return undefined;
    return key;
  } catch {
    return undefined;
  }
}

/**
 * One key, or one version of it, with sign/verify/encrypt/decrypt/wrap/unwrap.
 * Signing, decryption and unwrapping always run in the service. Verification (RS*, PS*, ES256,
 * ES384, ES512) and encryption/wrapping with RSA-OAEP and RSA-OAEP-256 run locally with the public
 * key, fetched once per version; ES256K, RSA1_5 and AES go to the service. Local operations respect
 * the key's `enabled`, `key_ops`, `nbf` and `exp` like the service does (`ERR_KEY_NOT_USABLE`).
 * Every result carries the `kid` of the exact version that did the work.
 * @example
 * const signer = keyClient.key("signer");               // newest version (keyClient: a KeyClient)
 * const { result: sig, kid } = await signer.signData("ES256", data);
 * const ok = (await keyClient.key(kid).verifyData("ES256", data, sig)).result; // local, no request
 * // on a plain KeyVaultClient:
 * const same = new KeyHandle(client, kid);
 */
export class KeyHandle {
  readonly client: KeyVaultClient;
  readonly name: string;
  /** "" for a handle that follows the newest version. */
  readonly version: string;
  readonly #options: KeyHandleOptions;
  #latest: { key: KeyVaultKey; at: number } | undefined;

  /** `key` is a name, `"name/version"` or a key identifier of the client's vault. */
  constructor(client: KeyVaultClient, key: string, version?: string, opts?: KeyHandleOptions) {
    checkClient(client, "KeyHandle");
    checkVersion(version, "KeyHandle");
    const options = optionsOf(opts, "KeyHandle");
    const address = resolveKey(client, key, version);
    checkType(options.remote, "boolean", "KeyHandle: remote");
    if (options.latestMaxAgeMs !== undefined && !(typeof options.latestMaxAgeMs === "number" && options.latestMaxAgeMs >= 0)) {
      throw new KeyVaultClientError(
        "ERR_INVALID_INPUT",
        `KeyHandle: latestMaxAgeMs must be a number of milliseconds, 0 or more (Infinity: resolve once); got ${describe(options.latestMaxAgeMs)}`,
      );
    }
    this.client = client;
    this.name = address.name;
    this.version = address.version;
    if (
      options.store !== undefined &&
      (!options.store || typeof options.store.get !== "function" || typeof options.store.put !== "function")
    ) {
      throw new KeyVaultClientError("ERR_INVALID_INPUT", "store must have get(key) and put(key, value, ttlSeconds)");
    }
    if (options.storeTtlSeconds !== undefined && !(options.storeTtlSeconds > 0))
      throw new KeyVaultClientError("ERR_INVALID_INPUT", "storeTtlSeconds must be a positive number of seconds");
    this.#options = options;
  }

  /** The key identifier this handle addresses (without version for a version-less handle). */
  get id(): string {
    return keyIdOf(this.client.vaultOrigin, this.#address);
  }

  /**
   * How this handle names its key to the standalone functions: `name/version`, not the URL, so a
   * vault reached through a proxy (another origin than the one in the service's kids) works too.
   */
  #ref(key?: KeyVaultKey): string {
    const version = key?.properties.version || this.version;
    return version ? `${this.name}/${version}` : this.name;
  }

  get #address(): KeyAddress {
    return { name: this.name, version: this.version };
  }

  /** The cached key, when there is a fresh one; never fetches. */
  #cached(): KeyVaultKey | undefined {
    if (this.version) return recall(this.client, this.name, this.version);
    const latest = this.#latest;
    return latest && Date.now() - latest.at < (this.#options.latestMaxAgeMs ?? 0) ? latest.key : undefined;
  }

  /**
   * The key's public part and properties: fetched once per version (a version-less handle asks
   * for the newest version each time, see {@link KeyHandleOptions.latestMaxAgeMs}).
   * @example const { key: jwk } = await keyClient.key("signer").getPublicKey(); // a standard public JWK
   */
  async getPublicKey(opts?: OperationOptions): Promise<KeyVaultKey> {
    const options = optionsOf(opts, "getPublicKey");
    const hit = this.#cached();
    if (hit) return hit;
    const store = this.#options.store;
    if (store && this.version) {
      const text = await storeGet(store, storeKeyOf(this.id), STORE_TIMEOUT_MS, options.signal);
      const shared = text === undefined ? undefined : decodeKey(text, this.name, this.version);
      if (shared) {
        remember(this.client, shared);
        return shared;
      }
    }
    const key = await getKey(this.client, this.name, this.version, options);
    if (key.properties.version) remember(this.client, key);
    if (!this.version) this.#latest = { key, at: Date.now() };
    if (store && this.version)
      await storePut(store, storeKeyOf(this.id), encodeKey(key), this.#options.storeTtlSeconds ?? 300, STORE_TIMEOUT_MS, options.signal);
    return key;
  }

  /**
   * Forgets the cached key of this handle, e.g. after `updateKey` changed its attributes.
   * @example
   * await updateKey(client, handle.id, { enabled: false });
   * handle.refresh(); // the next local operation reads the key again (and refuses: it is disabled)
   */
  refresh(): void {
    this.#latest = undefined;
    if (this.version) versions.get(this.client)?.delete(cacheKey(this.name, this.version));
  }

  #remote(options: LocalOptions): boolean {
    return this.#options.remote === true || options.remote === true;
  }

  /**
   * Signs a digest in the service.
   * @example const { result, kid } = await handle.sign("RS256", digest);
   */
  async sign(algorithm: SignatureAlgorithm, digest: Uint8Array, opts?: OperationOptions): Promise<SignResult> {
    const options = optionsOf(opts, "sign");
    checkSignInput(algorithm, digest);
    const known = this.#cached();
    if (known) checkSignatureKey(algorithm, known);
    return sign(this.client, this.#ref(), algorithm, digest, options);
  }

  /**
   * Hashes `data` with Web Crypto and signs the digest in the service.
   * @example const { result: signature, kid } = await handle.signData("ES256", new TextEncoder().encode("hello"));
   */
  async signData(algorithm: SignatureAlgorithm, data: Uint8Array, opts?: OperationOptions): Promise<SignResult> {
    const options = optionsOf(opts, "signData");
    return this.sign(algorithm, await digestFor(algorithm, data), options);
  }

  /**
   * Verifies a signature over a digest; locally for RS*, PS*, ES256/384/512.
   * @example const { result: valid, local } = await keyClient.key(kid).verify("ES256", digest, signature);
   */
  async verify(algorithm: SignatureAlgorithm, digest: Uint8Array, signature: Uint8Array, opts?: LocalOptions): Promise<VerifyResult> {
    const options = optionsOf(opts, "verify");
    checkSignInput(algorithm, digest);
    checkBytes(signature, "signature");
    const key = await this.#localKey(algorithm, options, true);
    if (!key || !canVerifyLocally(algorithm, key.key)) return verify(this.client, this.#ref(key), algorithm, digest, signature, options);
    usable(key, "verify");
    return { algorithm, kid: key.id, result: await verifyLocally(key.key, algorithm, digest, signature), local: true };
  }

  /**
   * Verifies a signature over `data` (hashed by Web Crypto); locally for RS*, PS*, ES256/384/512.
   * @example const { result: valid } = await keyClient.key(kid).verifyData("PS256", data, signature);
   */
  async verifyData(algorithm: SignatureAlgorithm, data: Uint8Array, signature: Uint8Array, opts?: LocalOptions): Promise<VerifyResult> {
    const options = optionsOf(opts, "verifyData");
    checkBytes(signature, "signature");
    const digest = await digestFor(algorithm, data);
    const key = await this.#localKey(algorithm, options, true);
    if (!key || !canVerifyLocally(algorithm, key.key)) return verify(this.client, this.#ref(key), algorithm, digest, signature, options);
    usable(key, "verify");
    return { algorithm, kid: key.id, result: await verifyDataLocally(key.key, algorithm, data, signature), local: true };
  }

  /**
   * Encrypts; locally for RSA-OAEP and RSA-OAEP-256 (the service decrypts), in the service otherwise.
   * @example const { result: ciphertext, kid } = await handle.encrypt("RSA-OAEP-256", new TextEncoder().encode("for the vault only"));
   */
  async encrypt(algorithm: EncryptionAlgorithm, plaintext: Uint8Array, opts?: CipherOptions & LocalOptions): Promise<EncryptResult> {
    const options = optionsOf(opts, "encrypt");
    checkCipherInput(algorithm, plaintext, options, "encrypt");
    const key = await this.#localKey(algorithm, options, false);
    if (!key || !canEncryptLocally(algorithm, key.key)) return encrypt(this.client, this.#ref(key), algorithm, plaintext, options);
    usable(key, "encrypt");
    return { algorithm, kid: key.id, result: await encryptLocally(key.key, algorithm, plaintext), local: true };
  }

  /**
   * Decrypts in the service.
   * @example const { result } = await keyClient.key(kid).decrypt("RSA-OAEP-256", ciphertext);
   */
  async decrypt(algorithm: EncryptionAlgorithm, ciphertext: Uint8Array, opts?: CipherOptions): Promise<DecryptResult> {
    const options = optionsOf(opts, "decrypt");
    const known = this.#cached();
    if (known) checkEncryptionKey(algorithm, known);
    return decrypt(this.client, this.#ref(), algorithm, ciphertext, options);
  }

  /**
   * Wraps a key; locally for RSA-OAEP and RSA-OAEP-256, in the service otherwise.
   * @example const { result: wrapped, kid } = await handle.wrapKey("RSA-OAEP-256", dek);
   */
  async wrapKey(algorithm: KeyWrapAlgorithm, keyToWrap: Uint8Array, opts?: LocalOptions): Promise<WrapResult> {
    const options = optionsOf(opts, "wrapKey");
    checkCipherInput(algorithm, keyToWrap, {}, "encrypt");
    const key = await this.#localKey(algorithm, options, false);
    if (!key || !canEncryptLocally(algorithm, key.key)) return wrapKey(this.client, this.#ref(key), algorithm, keyToWrap, options);
    usable(key, "wrapKey");
    return { algorithm, kid: key.id, result: await encryptLocally(key.key, algorithm, keyToWrap), local: true };
  }

  /**
   * Unwraps a key in the service.
   * @example const { result: dek } = await keyClient.key(kid).unwrapKey("RSA-OAEP-256", wrapped);
   */
  async unwrapKey(algorithm: KeyWrapAlgorithm, wrappedKey: Uint8Array, opts?: OperationOptions): Promise<UnwrapResult> {
    const options = optionsOf(opts, "unwrapKey");
    const known = this.#cached();
    if (known) checkEncryptionKey(algorithm, known);
    return unwrapKey(this.client, this.#ref(), algorithm, wrappedKey, options);
  }

  /**
   * The key for a local operation, checked against the algorithm; undefined when the operation
   * must go to the service anyway (forced remote, or an algorithm Web Crypto cannot do), so no
   * key is fetched in vain.
   */
  async #localKey(algorithm: string, options: LocalOptions, signature: boolean): Promise<KeyVaultKey | undefined> {
    if (this.#remote(options)) return undefined;
    if (signature) {
      const spec = signatureSpec(algorithm);
      if (!spec || spec.curve === "P-256K") return undefined;
    } else if (!encryptionSpec(algorithm)?.oaepHash) {
      return undefined;
    }
    const key = await this.getPublicKey(options);
    if (signature) checkSignatureKey(algorithm, key);
    else checkEncryptionKey(algorithm, key);
    return key;
  }
}

/**
 * Throws `ERR_KEY_NOT_USABLE` when the service would refuse `operation` with this key: disabled,
 * not in `key_ops`, or (for encrypt and wrapKey, which make new ciphertext) before `nbf` or after `exp`.
 * @example
 * const rsa = await getKey(client, "wrapper");
 * usable(rsa, "wrapKey"); // throws ERR_KEY_NOT_USABLE for a disabled or expired key
 */
export function usable(key: KeyVaultKey, operation: KeyOperation): void {
  if (!key || typeof key !== "object" || !key.properties || !Array.isArray(key.keyOperations)) {
    throw new KeyVaultClientError(
      "ERR_INVALID_INPUT",
      `usable takes a key as the vault returned it (getKey's answer); got ${describe(key)}`,
    );
  }
  const p = key.properties;
  const refuse = (why: string) => {
    throw new KeyVaultClientError(
      "ERR_KEY_NOT_USABLE",
      `key ${key.id} ${why}; the service would refuse ${operation} (pass { remote: true } to ask it anyway)`,
    );
  };
  if (p.enabled === false) refuse("is disabled");
  if (key.keyOperations.length > 0 && !key.keyOperations.includes(operation))
    refuse(`does not allow ${operation} (key_ops: ${key.keyOperations.join(", ")})`);
  if (operation === "encrypt" || operation === "wrapKey") {
    const now = Date.now();
    if (p.notBefore && now < p.notBefore.getTime()) refuse(`is not valid before ${p.notBefore.toISOString()}`);
    if (p.expiresOn && now >= p.expiresOn.getTime()) refuse(`expired at ${p.expiresOn.toISOString()}`);
  }
}
