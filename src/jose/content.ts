// JWE content encryption (RFC 7518 §5) with Web Crypto: AES-GCM, and AES-CBC with HMAC-SHA-2.
import { arrayBufferBytes } from "../encoding.js";
import { KeyVaultClientError } from "../errors.js";

/**
 * Content encryption algorithms this module reads and writes.
 * @example
 * const enc: ContentEncryption = "A128CBC-HS256";
 * const token = await encryptJwe(client, "envelope", "hello", { enc });
 */
export type ContentEncryption = "A128GCM" | "A192GCM" | "A256GCM" | "A128CBC-HS256" | "A192CBC-HS384" | "A256CBC-HS512";

interface ContentSpec {
  cekBytes: number;
  ivBytes: number;
  tagBytes: number;
  hash?: "SHA-256" | "SHA-384" | "SHA-512";
}

const SPECS: Record<ContentEncryption, ContentSpec> = {
  A128GCM: { cekBytes: 16, ivBytes: 12, tagBytes: 16 },
  A192GCM: { cekBytes: 24, ivBytes: 12, tagBytes: 16 },
  A256GCM: { cekBytes: 32, ivBytes: 12, tagBytes: 16 },
  "A128CBC-HS256": { cekBytes: 32, ivBytes: 16, tagBytes: 16, hash: "SHA-256" },
  "A192CBC-HS384": { cekBytes: 48, ivBytes: 16, tagBytes: 24, hash: "SHA-384" },
  "A256CBC-HS512": { cekBytes: 64, ivBytes: 16, tagBytes: 32, hash: "SHA-512" },
};

/** The sizes of a content encryption algorithm, or undefined when unknown. */
export function contentSpec(enc: unknown): ContentSpec | undefined {
  return typeof enc === "string" && Object.prototype.hasOwnProperty.call(SPECS, enc) ? SPECS[enc as ContentEncryption] : undefined;
}

// The plaintext is the caller's: copied only if it sits on a SharedArrayBuffer.
const buf = arrayBufferBytes;

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let i = 0;
  for (const p of parts) {
    out.set(p, i);
    i += p.length;
  }
  return out;
}

/** CBC-HS: the MAC input is AAD || IV || ciphertext || AAD length in bits (64-bit big-endian). */
async function cbcTag(spec: ContentSpec, macKey: Uint8Array, aad: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array> {
  const al = new Uint8Array(8);
  new DataView(al.buffer).setBigUint64(0, BigInt(aad.length) * 8n);
  const key = await crypto.subtle.importKey("raw", buf(macKey), { name: "HMAC", hash: spec.hash! }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, buf(concat(aad, iv, ciphertext, al))));
  return mac.subarray(0, spec.tagBytes);
}

/** Encrypts with a fresh IV; returns IV, ciphertext and tag. */
export async function encryptContent(
  enc: ContentEncryption,
  cek: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
): Promise<{ iv: Uint8Array; ciphertext: Uint8Array; tag: Uint8Array }> {
  const spec = SPECS[enc];
  const iv = crypto.getRandomValues(new Uint8Array(spec.ivBytes));
  if (!spec.hash) {
    const key = await crypto.subtle.importKey("raw", buf(cek), "AES-GCM", false, ["encrypt"]);
    const sealed = new Uint8Array(
      await crypto.subtle.encrypt({ name: "AES-GCM", iv: buf(iv), additionalData: buf(aad), tagLength: 128 }, key, buf(plaintext)),
    );
    return { iv, ciphertext: sealed.subarray(0, sealed.length - 16), tag: sealed.subarray(sealed.length - 16) };
  }
  const half = spec.cekBytes / 2;
  const key = await crypto.subtle.importKey("raw", buf(cek.subarray(half)), "AES-CBC", false, ["encrypt"]);
  const ciphertext = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-CBC", iv: buf(iv) }, key, buf(plaintext)));
  return { iv, ciphertext, tag: await cbcTag(spec, cek.subarray(0, half), aad, iv, ciphertext) };
}

function failed(cause?: unknown): KeyVaultClientError {
  return new KeyVaultClientError(
    "ERR_JWE_DECRYPTION_FAILED",
    "the JWE does not decrypt: wrong key, or the token was altered",
    cause === undefined ? undefined : { cause },
  );
}

/** Checks the tag and decrypts; any mismatch is `ERR_JWE_DECRYPTION_FAILED`. */
export async function decryptContent(
  enc: ContentEncryption,
  cek: Uint8Array,
  iv: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
  aad: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  const spec = SPECS[enc];
  if (cek.length !== spec.cekBytes || iv.length !== spec.ivBytes || tag.length !== spec.tagBytes) throw failed();
  if (!spec.hash) {
    const key = await crypto.subtle.importKey("raw", buf(cek), "AES-GCM", false, ["decrypt"]);
    try {
      return new Uint8Array(
        await crypto.subtle.decrypt(
          { name: "AES-GCM", iv: buf(iv), additionalData: buf(aad), tagLength: 128 },
          key,
          buf(concat(ciphertext, tag)),
        ),
      );
    } catch (e) {
      throw failed(e);
    }
  }
  const half = spec.cekBytes / 2;
  // Compared as HMACs of both tags under a random key: constant time without a timing-safe equal.
  const expected = await cbcTag(spec, cek.subarray(0, half), aad, iv, ciphertext);
  if (!(await sameBytes(expected, tag))) throw failed();
  const key = await crypto.subtle.importKey("raw", buf(cek.subarray(half)), "AES-CBC", false, ["decrypt"]);
  try {
    return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-CBC", iv: buf(iv) }, key, buf(ciphertext)));
  } catch (e) {
    throw failed(e);
  }
}

async function sameBytes(a: Uint8Array, b: Uint8Array): Promise<boolean> {
  if (a.length !== b.length) return false;
  const key = (await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, ["sign"])) as CryptoKey;
  const [x, y] = await Promise.all([crypto.subtle.sign("HMAC", key, buf(a)), crypto.subtle.sign("HMAC", key, buf(b))]);
  const u = new Uint8Array(x),
    v = new Uint8Array(y);
  let diff = 0;
  for (let i = 0; i < u.length; i++) diff |= u[i]! ^ v[i]!;
  return diff === 0;
}
