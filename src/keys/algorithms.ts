// What each algorithm needs (digest length, key type, curve, iv), checked before any request so a
// mistake gets a message that says how to fix it instead of a 400 from the service.
import { invalid } from "./ids.js";
import { describe } from "../input.js";
import type { EncryptionAlgorithm, SignatureAlgorithm } from "./types.js";

/**
 * Web Crypto hash names used by the algorithms.
 * @example
 * const hash: HashName | undefined = signatureSpec("PS384")?.hash; // "SHA-384"
 */
export type HashName = "SHA-1" | "SHA-256" | "SHA-384" | "SHA-512";

/**
 * What a signature algorithm needs.
 * @example
 * const spec: SignatureSpec | undefined = signatureSpec("ES256"); // { hash: "SHA-256", size: 32, family: "EC", curve: "P-256" }
 */
export interface SignatureSpec {
  hash: HashName;
  /** digest length in bytes */
  size: number;
  family: "RSA" | "EC";
  curve?: string;
  pss?: boolean;
}

/**
 * The needs of a known signature algorithm; undefined for one this library does not know (sent as is).
 * The known ones: RS, PS and ES with 256, 384 or 512, and ES256K. ES512 uses P-521.
 * @example
 * signatureSpec("ES384"); // { hash: "SHA-384", size: 48, family: "EC", curve: "P-384" }
 */
export function signatureSpec(algorithm: SignatureAlgorithm): SignatureSpec | undefined {
  const m = /^([EPR])S(256|384|512)$|^ES256K$/.exec(String(algorithm));
  if (!m) return undefined;
  const [, kind = "E", bits = "256"] = m;
  const spec: SignatureSpec = { hash: `SHA-${bits}` as HashName, size: +bits / 8, family: kind === "E" ? "EC" : "RSA" };
  if (kind === "E") spec.curve = bits === "512" ? "P-521" : `P-${bits}${m[1] ? "" : "K"}`;
  if (kind === "P") spec.pss = true;
  return spec;
}

const needs = (alg: string, s: SignatureSpec) => `${alg} needs a ${s.size}-byte digest and ${s.curve ? `a ${s.curve} key` : "an RSA key"}`;

/** Checks the algorithm name and the digest; returns the spec (undefined for an unknown algorithm). */
export function checkSignInput(algorithm: SignatureAlgorithm, digest: Uint8Array): SignatureSpec | undefined {
  if (typeof algorithm !== "string" || !algorithm)
    throw invalid(`a signature algorithm is required, e.g. "ES256"; got ${describe(algorithm)}`);
  checkBytes(digest, "digest");
  const spec = signatureSpec(algorithm);
  if (spec && digest.length !== spec.size) throw invalid(`${needs(algorithm, spec)}; got a ${digest.length}-byte digest`);
  return spec;
}

/** The family (RSA, EC, oct) and curve of a key type, `-HSM` or not. */
export function keyFamily(keyType: string): "RSA" | "EC" | "oct" | undefined {
  const t = keyType.replace(/-HSM$/i, "");
  return t === "RSA" || t === "EC" || t === "oct" ? t : t === "AES" ? "oct" : undefined;
}

/** Throws when a known algorithm cannot work with this key (wrong type or curve). */
export function checkSignatureKey(algorithm: string, key: { keyType: string; key: { crv?: string } }): void {
  const spec = signatureSpec(algorithm);
  if (!spec) return;
  const family = keyFamily(key.keyType);
  const got = family === "EC" ? `a ${key.key.crv ?? "EC"} key` : `an ${key.keyType} key`;
  if (
    family !== undefined &&
    (family !== spec.family || (spec.curve !== undefined && key.key.crv !== undefined && key.key.crv !== spec.curve))
  ) {
    throw invalid(`${needs(algorithm, spec)}; this is ${got}`);
  }
}

/**
 * What an encryption or wrap algorithm needs.
 * @example
 * const spec: EncryptionSpec | undefined = encryptionSpec("A256CBCPAD"); // { family: "oct", mode: "CBCPAD", bits: 256 }
 */
export interface EncryptionSpec {
  family: "RSA" | "oct";
  /** OAEP hash for RSA-OAEP*, undefined for RSA1_5 */
  oaepHash?: HashName;
  mode?: "GCM" | "CBC" | "CBCPAD" | "KW";
  /** AES key bits */
  bits?: number;
}

/**
 * The needs of a known encryption algorithm, undefined for others.
 * @example
 * encryptionSpec("RSA-OAEP-256"); // { family: "RSA", oaepHash: "SHA-256" }
 * encryptionSpec("A256GCM");      // { family: "oct", mode: "GCM", bits: 256 }
 */
export function encryptionSpec(algorithm: EncryptionAlgorithm): EncryptionSpec | undefined {
  if (algorithm === "RSA-OAEP") return { family: "RSA", oaepHash: "SHA-1" };
  if (algorithm === "RSA-OAEP-256") return { family: "RSA", oaepHash: "SHA-256" };
  if (algorithm === "RSA1_5") return { family: "RSA" };
  if (algorithm === "CKM_AES_KEY_WRAP" || algorithm === "CKM_AES_KEY_WRAP_PAD") return { family: "oct", mode: "KW" };
  const m = /^A(128|192|256)(GCM|CBC|CBCPAD|KW)$/.exec(algorithm);
  return m ? { family: "oct", mode: m[2] as EncryptionSpec["mode"], bits: Number(m[1]) } : undefined;
}

/** Checks encrypt/decrypt inputs: bytes, and the iv/tag an AES mode needs. */
export function checkCipherInput(
  algorithm: EncryptionAlgorithm,
  value: Uint8Array,
  o: { iv?: Uint8Array; tag?: Uint8Array; aad?: Uint8Array },
  direction: "encrypt" | "decrypt",
): EncryptionSpec | undefined {
  if (typeof algorithm !== "string" || !algorithm)
    throw invalid(`an encryption algorithm is required, e.g. "RSA-OAEP-256"; got ${describe(algorithm)}`);
  checkBytes(value, direction === "encrypt" ? "plaintext" : "ciphertext");
  for (const k of ["iv", "tag", "aad"] as const) if (o[k] !== undefined) checkBytes(o[k], k);
  const spec = encryptionSpec(algorithm);
  if (spec?.mode === "GCM") {
    if (o.iv !== undefined && o.iv.length !== 12) throw invalid(`${algorithm} takes a 12-byte iv; got ${o.iv.length} bytes`);
    if (direction === "decrypt" && (!o.iv || !o.tag))
      throw invalid(`${algorithm} decryption needs the iv and tag that encryption returned`);
    if (o.tag !== undefined && o.tag.length !== 16) throw invalid(`${algorithm} takes a 16-byte tag; got ${o.tag.length} bytes`);
  } else if (spec?.mode === "CBC" || spec?.mode === "CBCPAD") {
    // Encryption without an iv gets a random one (see cipher.ts); decryption needs the one used.
    if ((direction === "decrypt" || o.iv) && o.iv?.length !== 16) throw invalid(`${algorithm} needs a 16-byte iv`);
    if (spec.mode === "CBC" && value.length % 16 !== 0)
      throw invalid(`${algorithm} works on whole 16-byte blocks; use ${algorithm}PAD for other lengths`);
  } else if (o.iv || o.tag || o.aad) {
    if (spec) throw invalid(`${algorithm} takes no iv, tag or aad`);
  }
  return spec;
}

/** Throws when a known encryption algorithm cannot work with this key. */
export function checkEncryptionKey(algorithm: string, key: { keyType: string; properties?: { keySize?: number } }): void {
  const spec = encryptionSpec(algorithm);
  const family = keyFamily(key.keyType);
  if (!spec || family === undefined) return;
  if (family !== spec.family)
    throw invalid(`${algorithm} needs ${spec.family === "RSA" ? "an RSA" : "an AES (oct)"} key; this is an ${key.keyType} key`);
  const size = key.properties?.keySize;
  if (spec.bits && size && size !== spec.bits) throw invalid(`${algorithm} needs a ${spec.bits}-bit AES key; this key has ${size} bits`);
}

/** Throws unless `value` is a Uint8Array. */
export function checkBytes(value: unknown, what: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array))
    throw invalid(
      `${what} must be a Uint8Array; got ${describe(value)}${typeof value === "string" ? " (encode text with new TextEncoder().encode(text))" : value instanceof ArrayBuffer ? " (wrap it: new Uint8Array(buffer))" : ""}`,
    );
}
