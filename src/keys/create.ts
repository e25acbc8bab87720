// Creating and importing keys: POST /keys/{name}/create and PUT /keys/{name}.
import type { KeyVaultClient } from "../client.js";
import { checkName, invalid } from "./ids.js";
import { attributesBody, releasePolicyBody, toKey, type RestKeyBundle } from "./model.js";
import type { KeyCurveName, KeyOperation, KeyReleasePolicyInput, KeyType, KeyVaultKey, OperationOptions } from "./types.js";
import { request } from "../request.js";
import type { JwkInput } from "../web-types.js";

/** Attributes and metadata settable on create, import and update. */
export interface KeyAttributesInput {
  enabled?: boolean;
  notBefore?: Date;
  expiresOn?: Date;
  /** Allow release of the private key (needs `releasePolicy`). */
  exportable?: boolean;
  tags?: Record<string, string>;
  releasePolicy?: KeyReleasePolicyInput;
}

/** Options of {@link createKey}. */
export interface CreateKeyOptions extends KeyAttributesInput, OperationOptions {
  /** RSA: 2048, 3072 or 4096 bits; AES (Managed HSM): 128, 192 or 256. */
  keySize?: number;
  /** RSA public exponent, e.g. 65537. */
  publicExponent?: number;
  /** EC curve (default P-256). */
  curve?: KeyCurveName;
  /** Operations the key allows (default: all its type supports). */
  keyOps?: KeyOperation[];
  /** Create the `-HSM` variant of the key type. */
  hsm?: boolean;
}

/**
 * Creates a key, or a new version of it when the name exists.
 * @example
 * const key = await createKey(client, "signer", "EC", { curve: "P-384" });
 * key.id; // https://myvault.vault.azure.net/keys/signer/<version>
 */
export async function createKey(client: KeyVaultClient, name: string, keyType: KeyType, options: CreateKeyOptions = {}): Promise<KeyVaultKey> {
  checkName(name);
  if (typeof keyType !== "string" || !keyType) throw invalid("a key type is required, e.g. \"EC\" or \"RSA\"");
  const kty = options.hsm && !/-HSM$/i.test(keyType) ? `${keyType}-HSM` : keyType;
  if (options.keySize !== undefined && !(Number.isInteger(options.keySize) && options.keySize > 0)) throw invalid("keySize must be a positive integer");
  if (options.curve !== undefined && !/^EC/i.test(kty)) throw invalid(`a curve goes with an EC key, not ${kty}`);
  const body = {
    kty,
    key_size: options.keySize,
    public_exponent: options.publicExponent,
    key_ops: options.keyOps,
    attributes: attributesBody(options),
    tags: options.tags,
    crv: options.curve,
    release_policy: options.releasePolicy ? releasePolicyBody(options.releasePolicy) : undefined,
  };
  const bundle = await request<RestKeyBundle>(client, "POST", `/keys/${name}/create`, body, { signal: options.signal, idempotent: false });
  return toKey(bundle);
}

/**
 * Creates an EC key (`EC-HSM` with `hsm: true`), P-256 unless `curve` says otherwise.
 * @example const key = await createEcKey(client, "es256-signer", { curve: "P-256" });
 */
export function createEcKey(client: KeyVaultClient, name: string, options: Omit<CreateKeyOptions, "keySize" | "publicExponent"> = {}): Promise<KeyVaultKey> {
  return createKey(client, name, "EC", options);
}

/**
 * Creates an RSA key (`RSA-HSM` with `hsm: true`), 2048 bits unless `keySize` says otherwise.
 * @example const key = await createRsaKey(client, "wrapper", { keySize: 3072 });
 */
export function createRsaKey(client: KeyVaultClient, name: string, options: Omit<CreateKeyOptions, "curve"> = {}): Promise<KeyVaultKey> {
  return createKey(client, name, "RSA", options);
}

/**
 * Creates a symmetric (AES) key, Managed HSM only (`oct-HSM`; `hsm` defaults to true).
 * @example const key = await createOctKey(client, "aes", { keySize: 256 });
 */
export function createOctKey(client: KeyVaultClient, name: string, options: Omit<CreateKeyOptions, "curve" | "publicExponent"> = {}): Promise<KeyVaultKey> {
  return createKey(client, name, "oct", { hsm: true, ...options });
}

/** Options of {@link importKey}. */
export interface ImportKeyOptions extends KeyAttributesInput, OperationOptions {
  /** Keep the key in an HSM (the REST `Hsm` flag). */
  hsm?: boolean;
  /** Operations the key allows; default: the JWK's `key_ops`, else all its type supports. */
  keyOps?: KeyOperation[];
}

// JWK members Key Vault knows; the rest (`ext`, `alg`, `use`, `kid`) is Web Crypto or JOSE bookkeeping.
const JWK_MEMBERS = ["kty", "key_ops", "n", "e", "d", "dp", "dq", "qi", "p", "q", "k", "key_hsm", "crv", "x", "y", "t"];

/**
 * Imports a private key given as a JWK, e.g. from `crypto.subtle.exportKey("jwk", privateKey)`.
 * @example
 * const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
 * const key = await importKey(client, "imported", await crypto.subtle.exportKey("jwk", pair.privateKey), { keyOps: ["sign", "verify"] });
 */
export async function importKey(client: KeyVaultClient, name: string, jwk: JwkInput & Record<string, unknown>, options: ImportKeyOptions = {}): Promise<KeyVaultKey> {
  checkName(name);
  if (!jwk || typeof jwk !== "object" || typeof jwk.kty !== "string") throw invalid("importKey needs a JWK with a kty");
  const key: Record<string, unknown> = {};
  for (const m of JWK_MEMBERS) if (jwk[m] !== undefined) key[m] = jwk[m];
  if (options.keyOps) key.key_ops = options.keyOps;
  const body = {
    key,
    Hsm: options.hsm,
    attributes: attributesBody(options),
    tags: options.tags,
    release_policy: options.releasePolicy ? releasePolicyBody(options.releasePolicy) : undefined,
  };
  const bundle = await request<RestKeyBundle>(client, "PUT", `/keys/${name}`, body, { signal: options.signal, idempotent: false });
  return toKey(bundle);
}
