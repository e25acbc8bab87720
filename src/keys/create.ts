// Creating and importing keys: POST /keys/{name}/create and PUT /keys/{name}.
import type { KeyVaultClient } from "../client.js";
import { checkName, invalid } from "./ids.js";
import { attributesBody, releasePolicyBody, toKey, type RestKeyBundle } from "./model.js";
import type { KeyCurveName, KeyOperation, KeyReleasePolicyInput, KeyType, KeyVaultKey, OperationOptions } from "./types.js";
import { request } from "../request.js";
import type { JwkInput } from "../web-types.js";
import { checkClient, checkType, describe, optionsOf } from "../input.js";

/**
 * Attributes and metadata settable on create, import and update.
 * @example
 * const attributes: KeyAttributesInput = { enabled: true, notBefore: new Date(), expiresOn: new Date(Date.now() + 365 * 864e5) };
 * await updateKey(client, "signer", attributes);
 */
export interface KeyAttributesInput {
  enabled?: boolean;
  notBefore?: Date;
  expiresOn?: Date;
  /** Allow release of the private key (needs `releasePolicy`). */
  exportable?: boolean;
  tags?: Record<string, string>;
  releasePolicy?: KeyReleasePolicyInput;
}

/**
 * Options of {@link createKey}.
 * @example
 * const options: CreateKeyOptions = { keySize: 3072, keyOps: ["wrapKey", "unwrapKey"], expiresOn: new Date("2027-01-01"), tags: { team: "payments" } };
 * const key = await createKey(client, "kek", "RSA", options);
 */
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
export function createKey(client: KeyVaultClient, name: string, keyType: KeyType, options?: CreateKeyOptions): Promise<KeyVaultKey> {
  return create(client, name, keyType, options, "createKey");
}

/** Throws unless the attributes and settings shared by create, import and update have their types. */
export function checkKeySettings(o: KeyAttributesInput & { keyOps?: unknown; hsm?: unknown }, fn: string): void {
  for (const k of ["enabled", "exportable", "hsm"] as const) checkType(o[k], "boolean", `${fn}: ${k}`);
  if (o.keyOps !== undefined && !(Array.isArray(o.keyOps) && o.keyOps.every((op) => typeof op === "string"))) {
    throw invalid(`${fn}: keyOps must be an array of operations ("sign", "verify", …); got ${describe(o.keyOps)}`);
  }
  if (
    o.tags !== undefined &&
    !(o.tags && typeof o.tags === "object" && !Array.isArray(o.tags) && Object.values(o.tags).every((v) => typeof v === "string"))
  ) {
    throw invalid(`${fn}: tags must be an object of strings; got ${describe(o.tags)}`);
  }
}

async function create(
  client: KeyVaultClient,
  name: string,
  keyType: KeyType,
  opts: CreateKeyOptions | undefined,
  fn: string,
): Promise<KeyVaultKey> {
  checkClient(client, fn);
  checkName(name);
  const options = optionsOf(opts, fn);
  if (typeof keyType !== "string" || !keyType) throw invalid(`${fn}: a key type is required, e.g. "EC" or "RSA"; got ${describe(keyType)}`);
  checkKeySettings(options, fn);
  const kty = options.hsm && !/-HSM$/i.test(keyType) ? `${keyType}-HSM` : keyType;
  if (options.keySize !== undefined && !(Number.isInteger(options.keySize) && options.keySize > 0))
    throw invalid(`keySize must be a positive integer; got ${describe(options.keySize)}`);
  if (options.publicExponent !== undefined && !(Number.isInteger(options.publicExponent) && options.publicExponent > 0))
    throw invalid(`publicExponent must be a positive integer, e.g. 65537; got ${describe(options.publicExponent)}`);
  checkType(options.curve, "string", `${fn}: curve`);
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
export function createEcKey(
  client: KeyVaultClient,
  name: string,
  options?: Omit<CreateKeyOptions, "keySize" | "publicExponent">,
): Promise<KeyVaultKey> {
  return create(client, name, "EC", options, "createEcKey");
}

/**
 * Creates an RSA key (`RSA-HSM` with `hsm: true`), 2048 bits unless `keySize` says otherwise.
 * @example const key = await createRsaKey(client, "wrapper", { keySize: 3072 });
 */
export function createRsaKey(client: KeyVaultClient, name: string, options?: Omit<CreateKeyOptions, "curve">): Promise<KeyVaultKey> {
  return create(client, name, "RSA", options, "createRsaKey");
}

/**
 * Creates a symmetric (AES) key, Managed HSM only (`oct-HSM`; `hsm` defaults to true).
 * @example const key = await createOctKey(client, "aes", { keySize: 256 });
 */
export async function createOctKey(
  client: KeyVaultClient,
  name: string,
  options?: Omit<CreateKeyOptions, "curve" | "publicExponent">,
): Promise<KeyVaultKey> {
  return create(client, name, "oct", { hsm: true, ...optionsOf(options, "createOctKey") }, "createOctKey");
}

/**
 * Options of {@link importKey}.
 * @example
 * const options: ImportKeyOptions = { hsm: true, keyOps: ["sign", "verify"], tags: { source: "on-prem" } };
 */
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
export async function importKey(client: KeyVaultClient, name: string, jwk: JwkInput, opts?: ImportKeyOptions): Promise<KeyVaultKey> {
  checkClient(client, "importKey");
  checkName(name);
  if (!jwk || typeof jwk !== "object" || typeof jwk.kty !== "string")
    throw invalid(
      `importKey needs the key as a JWK with a kty (e.g. from crypto.subtle.exportKey("jwk", privateKey)); got ${describe(jwk)}`,
    );
  const options = optionsOf(opts, "importKey");
  checkKeySettings(options, "importKey");
  const key: Record<string, unknown> = {};
  const members = jwk as Record<string, unknown>;
  for (const m of JWK_MEMBERS) if (members[m] !== undefined) key[m] = members[m];
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
