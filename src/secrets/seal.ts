// Sealing for the shared store: values are encrypted with AES-GCM under a key derived (HKDF-SHA-256)
// from the caller's secret, bound to their store key (AAD), and store keys are HMAC-SHA-256 of
// vault, name and version, so the store sees neither values nor names. Web Crypto only.
import { base64UrlDecode, base64UrlEncode, utf8Decode, utf8Encode } from "../encoding.js";
import { describe, invalid } from "./ids.js";
import type { CryptoKeyLike } from "../web-types.js";

/**
 * What a caller may give as the sealing key: a string or bytes (at least 16 bytes, 32 random ones recommended), or an HKDF CryptoKey.
 * @example
 * const sealingKey: SealingKeyInput = env.SECRET_CACHE_KEY; // 32 random bytes, base64: openssl rand -base64 32
 * const shared = new SecretCache({ store: workersKvStore(env.SECRET_CACHE), sealingKey });
 */
export type SealingKeyInput = string | Uint8Array | CryptoKeyLike;

/** The derived keys; resolved values only (each caller derives its own until one is kept). */
export interface Sealer {
  storeKey(parts: string): Promise<string>;
  seal(storeKey: string, plaintext: string): Promise<string>;
  /** The plaintext, or undefined for anything that does not open (tampered, another key, another format). */
  open(storeKey: string, sealed: string): Promise<string | undefined>;
}

const FORMAT = "kvf1.";
const bytes = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b);

/** Checks a sealing key synchronously (so a bad one fails where the cache is made). */
export function checkSealingKey(key: unknown): asserts key is SealingKeyInput {
  if (typeof key === "string" || key instanceof Uint8Array) {
    const length = typeof key === "string" ? utf8Encode(key).length : key.length;
    if (length < 16)
      throw invalid(`the sealing key must have at least 16 bytes (32 random ones recommended, e.g. from a Worker secret); got ${length}`);
    return;
  }
  if (typeof CryptoKey !== "undefined" && key instanceof CryptoKey) {
    if (key.algorithm.name !== "HKDF" || !key.usages.includes("deriveKey"))
      throw invalid("a CryptoKey sealing key must be an HKDF key with the deriveKey usage");
    return;
  }
  throw invalid(`the sealing key must be a string, bytes or an HKDF CryptoKey; got ${describe(key)}`);
}

/** Derives the sealing and store-key keys from the caller's key. */
export async function createSealer(key: SealingKeyInput): Promise<Sealer> {
  checkSealingKey(key);
  const base =
    typeof key === "string" || key instanceof Uint8Array
      ? await crypto.subtle.importKey("raw", bytes(typeof key === "string" ? utf8Encode(key) : key), "HKDF", false, ["deriveKey"])
      : (key as CryptoKey); // checkSealingKey: a real CryptoKey
  const hkdf = (info: string) => ({
    name: "HKDF",
    hash: "SHA-256",
    salt: utf8Encode("keyvault-fetch secret cache"),
    info: utf8Encode(info),
  });
  const aes = await crypto.subtle.deriveKey(hkdf("seal v1"), base, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
  const mac = await crypto.subtle.deriveKey(hkdf("store key v1"), base, { name: "HMAC", hash: "SHA-256", length: 256 }, false, ["sign"]);
  return {
    async storeKey(parts) {
      return "kvf-secret1:" + base64UrlEncode(new Uint8Array(await crypto.subtle.sign("HMAC", mac, utf8Encode(parts))));
    },
    async seal(storeKey, plaintext) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const ct = new Uint8Array(
        await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: utf8Encode(storeKey) }, aes, utf8Encode(plaintext)),
      );
      const out = new Uint8Array(12 + ct.length);
      out.set(iv);
      out.set(ct, 12);
      return FORMAT + base64UrlEncode(out);
    },
    async open(storeKey, sealed) {
      if (typeof sealed !== "string" || !sealed.startsWith(FORMAT)) return undefined;
      try {
        const raw = base64UrlDecode(sealed.slice(FORMAT.length));
        if (raw.length < 12 + 16) return undefined;
        const plain = await crypto.subtle.decrypt(
          { name: "AES-GCM", iv: bytes(raw.subarray(0, 12)), additionalData: utf8Encode(storeKey) },
          aes,
          bytes(raw.subarray(12)),
        );
        return utf8Decode(new Uint8Array(plain));
      } catch {
        return undefined;
      }
    },
  };
}
