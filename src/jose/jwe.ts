// Envelope encryption as compact JWE (RFC 7516): encrypt locally to the vault key's public key
// (RSA-OAEP-256, content A256GCM by default); decrypt with one Key Vault unwrapKey.
import type { KeyVaultClient } from "../client.js";
import { base64UrlDecode, base64UrlEncode, utf8Decode, utf8Encode } from "../encoding.js";
import { KeyVaultClientError, KeyVaultError } from "../errors.js";
import { contentSpec, decryptContent, encryptContent, type ContentEncryption } from "./content.js";
import { getPublicJwk, keyPath, keyRef, versionOf, type VaultPublicJwk } from "./key-ref.js";
import { request } from "../request.js";
import type { JwkInput } from "../web-types.js";
import { checkClient, checkType, describe, invalid, optionsOf } from "../input.js";

/**
 * Key management algorithms: RSA-OAEP with SHA-256 (default) or SHA-1. RSA1_5 is not offered.
 * @example
 * const alg: KeyManagement = "RSA-OAEP"; // for peers without RSA-OAEP-256
 * const token = await encryptJwe(client, "envelope", "hello", { alg });
 */
export type KeyManagement = "RSA-OAEP-256" | "RSA-OAEP";

/**
 * Options of {@link encryptJwe} and {@link encryptJweToJwk}.
 * @example
 * const options: EncryptJweOptions = { alg: "RSA-OAEP-256", enc: "A256GCM", header: { cty: "application/json" } };
 * const token = await encryptJwe(client, "envelope", JSON.stringify({ card: "4111…" }), options);
 */
export interface EncryptJweOptions {
  /** Key management (default `RSA-OAEP-256`). */
  alg?: KeyManagement;
  /** Content encryption (default `A256GCM`). */
  enc?: ContentEncryption;
  /** Extra protected header members (`typ`, `cty`, ...); `alg`, `enc` and `kid` are set here. */
  header?: Record<string, unknown>;
  signal?: AbortSignal;
}

/**
 * Options of {@link decryptJwe}.
 * @example
 * const options: DecryptJweOptions = { algorithms: ["RSA-OAEP-256"], encryptionAlgorithms: ["A256GCM"] }; // refuse anything else
 * const { plaintext } = await decryptJwe(client, jwe, options);
 */
export interface DecryptJweOptions {
  /** The vault key to unwrap with (default: the header's `kid`, which must be in this client's vault). */
  key?: string;
  /** Accepted key management algorithms (default both RSA-OAEP-256 and RSA-OAEP). */
  algorithms?: KeyManagement[];
  /** Accepted content encryption algorithms (default all six). */
  encryptionAlgorithms?: ContentEncryption[];
  signal?: AbortSignal;
}

/**
 * What {@link decryptJwe} returns.
 * @example
 * const decrypted: DecryptedJwe = await decryptJwe(client, jwe);
 * decrypted.text();           // the plaintext as UTF-8
 * decrypted.protectedHeader;  // { alg, enc, kid, ... }
 */
export interface DecryptedJwe {
  plaintext: Uint8Array<ArrayBuffer>;
  protectedHeader: Record<string, unknown>;
  /** the key version that unwrapped the content key */
  kid: string;
  /** the plaintext as UTF-8 text (throws if it is not) */
  text(): string;
}

const RSA_HASH: Record<KeyManagement, string> = { "RSA-OAEP-256": "SHA-256", "RSA-OAEP": "SHA-1" };

function checkPlaintext(plaintext: unknown, fn: string): void {
  if (typeof plaintext !== "string" && !(plaintext instanceof Uint8Array))
    throw invalid(`${fn}: the plaintext must be bytes or a string; got ${describe(plaintext)}`);
}

function jweError(message: string): KeyVaultClientError {
  return new KeyVaultClientError("ERR_JWE_INVALID", message);
}

/**
 * Encrypts to a vault key's public key, here: one GET of the key the first time a version is
 * used (the public key is cached per version), no vault call after. Only the vault can decrypt.
 * @example
 * const jwe = await encryptJwe(client, "envelope/0123abcd…", new TextEncoder().encode("secret"));
 * const { plaintext } = await decryptJwe(client, jwe); // one unwrapKey call
 */
export async function encryptJwe(
  client: KeyVaultClient,
  key: string,
  plaintext: Uint8Array | string,
  opts?: EncryptJweOptions,
): Promise<string> {
  checkClient(client, "encryptJwe");
  const options = optionsOf(opts, "encryptJwe");
  checkPlaintext(plaintext, "encryptJwe");
  const jwk = await getPublicJwk(client, key, options.signal ? { signal: options.signal } : {});
  return encryptJweToJwk(jwk, plaintext, options);
}

/**
 * Encrypts to a public RSA JWK without any network call (e.g. a JWK from {@link getPublicJwk},
 * kept in configuration). Its `kid`, if any, goes into the header.
 * @example
 * const jwk = await getPublicJwk(client, "envelope");   // once, e.g. at deploy time
 * const jwe = await encryptJweToJwk(jwk, "card number", { enc: "A128GCM" }); // offline from here on
 */
export async function encryptJweToJwk(
  jwk: JwkInput & { kid?: string },
  plaintext: Uint8Array | string,
  opts?: EncryptJweOptions,
): Promise<string> {
  if (!jwk || typeof jwk !== "object") throw invalid(`encryptJweToJwk takes a public RSA JWK first; got ${describe(jwk)}`);
  const options = optionsOf(opts, "encryptJweToJwk");
  checkPlaintext(plaintext, "encryptJweToJwk");
  if (options.header !== undefined && (!options.header || typeof options.header !== "object" || Array.isArray(options.header)))
    throw invalid(`encryptJweToJwk: header must be an object; got ${describe(options.header)}`);
  const alg = options.alg ?? "RSA-OAEP-256";
  const enc = options.enc ?? "A256GCM";
  const spec = contentSpec(enc);
  if (!RSA_HASH[alg])
    throw new KeyVaultClientError("ERR_INVALID_INPUT", `unsupported key management ${JSON.stringify(alg)}: use RSA-OAEP-256 or RSA-OAEP`);
  if (!spec) throw new KeyVaultClientError("ERR_INVALID_INPUT", `unsupported content encryption ${JSON.stringify(enc)}`);
  if (!jwk || String(jwk.kty).replace(/-HSM$/i, "") !== "RSA" || !jwk.n || !jwk.e) {
    throw new KeyVaultClientError("ERR_UNSUPPORTED", "JWE envelope encryption needs an RSA key");
  }
  const data = typeof plaintext === "string" ? utf8Encode(plaintext) : plaintext;
  if (!(data instanceof Uint8Array)) throw new KeyVaultClientError("ERR_INVALID_INPUT", "plaintext must be bytes or a string");

  const header: Record<string, unknown> = { ...options.header, alg, enc };
  if (jwk.kid) header.kid = jwk.kid;
  else delete header.kid;
  const encodedHeader = base64UrlEncode(utf8Encode(JSON.stringify(header)));
  const cek = crypto.getRandomValues(new Uint8Array(spec.cekBytes));
  const publicKey = await crypto.subtle.importKey(
    "jwk",
    { kty: "RSA", n: jwk.n, e: jwk.e, ext: true },
    { name: "RSA-OAEP", hash: RSA_HASH[alg] },
    false,
    ["encrypt"],
  );
  const encryptedKey = new Uint8Array(await crypto.subtle.encrypt({ name: "RSA-OAEP" }, publicKey, cek));
  const { iv, ciphertext, tag } = await encryptContent(enc, cek, data, utf8Encode(encodedHeader));
  cek.fill(0);
  return [encodedHeader, base64UrlEncode(encryptedKey), base64UrlEncode(iv), base64UrlEncode(ciphertext), base64UrlEncode(tag)].join(".");
}

/**
 * Decrypts a compact JWE whose content key was encrypted to a vault RSA key: one `unwrapKey`
 * call, then the content is decrypted here. Works for JWEs made by {@link encryptJwe} and by any
 * JOSE library given the vault key's public JWK (e.g. `jose.CompactEncrypt`). Errors:
 * `ERR_JWE_INVALID` (malformed or not allowed), `ERR_JWE_DECRYPTION_FAILED` (wrong key, altered token).
 * @example
 * const { plaintext, kid } = await decryptJwe(client, jwe);
 */
export async function decryptJwe(client: KeyVaultClient, jwe: string, opts?: DecryptJweOptions): Promise<DecryptedJwe> {
  checkClient(client, "decryptJwe");
  if (typeof jwe !== "string") throw invalid(`decryptJwe takes the compact JWE as a string; got ${describe(jwe)}`);
  const options = optionsOf(opts, "decryptJwe");
  checkType(options.key, "string", "decryptJwe: key");
  for (const k of ["algorithms", "encryptionAlgorithms"] as const) {
    if (options[k] !== undefined && !Array.isArray(options[k]))
      throw invalid(`decryptJwe: ${k} must be an array of algorithm names; got ${describe(options[k])}`);
  }
  const parts = jwe.trim().split(".");
  if (parts.length !== 5) throw jweError(`a compact JWE has 5 parts; this has ${parts.length}`);
  const [encodedHeader, encodedKey, encodedIv, encodedCiphertext, encodedTag] = parts as [string, string, string, string, string];
  if (
    ![encodedHeader, encodedKey, encodedIv, encodedTag].every((p) => /^[A-Za-z0-9_-]+$/.test(p)) ||
    !/^[A-Za-z0-9_-]*$/.test(encodedCiphertext)
  ) {
    throw jweError("a compact JWE part is empty or not base64url");
  }
  let header: Record<string, unknown>;
  try {
    const value: unknown = JSON.parse(utf8Decode(base64UrlDecode(encodedHeader)));
    if (!value || typeof value !== "object" || Array.isArray(value)) throw new Error("not an object");
    header = value as Record<string, unknown>;
  } catch {
    throw jweError("the JWE protected header is not a JSON object");
  }
  const alg = header.alg as KeyManagement;
  const enc = header.enc as ContentEncryption;
  const algorithms = options.algorithms ?? ["RSA-OAEP-256", "RSA-OAEP"];
  if (typeof alg !== "string" || !RSA_HASH[alg] || !algorithms.includes(alg))
    throw jweError(`key management ${JSON.stringify(alg)} is not allowed`);
  if (!contentSpec(enc) || (options.encryptionAlgorithms && !options.encryptionAlgorithms.includes(enc)))
    throw jweError(`content encryption ${JSON.stringify(enc)} is not allowed`);
  if (header.zip !== undefined) throw new KeyVaultClientError("ERR_UNSUPPORTED", "compressed JWE (zip) is not supported");
  if (header.crit !== undefined) throw jweError("the JWE names critical header parameters this library does not understand");

  const target = options.key ?? header.kid;
  if (typeof target !== "string" || !target) throw jweError("the JWE names no kid: pass options.key");
  const signal = options.signal ? { signal: options.signal } : {};
  let ref = keyRef(client, target);
  if (!ref.version) ref = { name: ref.name, version: versionOf((await getPublicJwk(client, target, signal)).kid)! };

  let unwrapped: { kid?: string; value?: string };
  try {
    unwrapped = await request(client, "POST", keyPath(ref, "unwrapkey"), { alg, value: encodedKey }, signal);
  } catch (e) {
    // The vault could not unwrap (wrong key or altered key): report it as a failed decryption.
    if (e instanceof KeyVaultError && e.status === 400) {
      throw new KeyVaultClientError("ERR_JWE_DECRYPTION_FAILED", "the JWE does not decrypt: the vault could not unwrap its content key", {
        cause: e,
      });
    }
    throw e;
  }
  if (!unwrapped || typeof unwrapped.value !== "string")
    throw new KeyVaultClientError("ERR_INVALID_RESPONSE", "the vault's unwrapKey answer has no value");
  const cek = base64UrlDecode(unwrapped.value);
  const plaintext = await decryptContent(
    enc,
    cek,
    base64UrlDecode(encodedIv),
    base64UrlDecode(encodedCiphertext),
    base64UrlDecode(encodedTag),
    utf8Encode(encodedHeader),
  );
  cek.fill(0);
  const kid = typeof unwrapped.kid === "string" ? unwrapped.kid : `${client.vaultOrigin}${keyPath(ref).replace(/\/$/, "")}`;
  return { plaintext, protectedHeader: header, kid, text: () => utf8Decode(plaintext) };
}

export type { VaultPublicJwk };
