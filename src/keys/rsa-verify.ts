// RSA signature verification over a digest (RS*: PKCS#1 v1.5, PS*: PSS; RFC 8017 sections 8.2.2 and 9.1.2).
// Web Crypto always hashes the message itself, so a bare digest needs the public operation here.
import { toBigInt, toBytes, modPow } from "./bigint.js";
import type { HashName } from "./algorithms.js";

// DER DigestInfo prefixes of RFC 8017, section 9.2, note 1.
const DIGEST_INFO: Partial<Record<HashName, number[]>> = {
  "SHA-256": [0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20],
  "SHA-384": [0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30],
  "SHA-512": [0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40],
};

/** s^e mod n as `length` bytes, or undefined when the signature is out of range. */
function publicOp(n: Uint8Array, e: Uint8Array, signature: Uint8Array, length: number): Uint8Array | undefined {
  const N = toBigInt(n),
    s = toBigInt(signature);
  if (signature.length !== byteLength(N) || s >= N) return undefined;
  return toBytes(modPow(s, toBigInt(e), N), length);
}

const bitLength = (v: bigint) => v.toString(2).length;
const byteLength = (v: bigint) => Math.ceil(bitLength(v) / 8);

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** RSASSA-PKCS1-v1_5 verification of `digest` (already hashed with `hash`). */
export function verifyPkcs1(n: Uint8Array, e: Uint8Array, hash: HashName, digest: Uint8Array, signature: Uint8Array): boolean {
  const k = byteLength(toBigInt(n));
  const em = publicOp(n, e, signature, k);
  const prefix = DIGEST_INFO[hash];
  if (!em || !prefix) return false;
  const t = [...prefix, ...digest];
  if (k < t.length + 11) return false;
  const expected = new Uint8Array(k);
  expected.set([0x00, 0x01]);
  expected.fill(0xff, 2, k - t.length - 1);
  expected[k - t.length - 1] = 0x00;
  expected.set(t, k - t.length);
  return equalBytes(em, expected);
}

async function mgf1(hash: HashName, seed: Uint8Array, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  for (let counter = 0, offset = 0; offset < length; counter++) {
    const input = new Uint8Array(seed.length + 4);
    input.set(seed);
    new DataView(input.buffer).setUint32(seed.length, counter);
    const block = new Uint8Array(await crypto.subtle.digest(hash, input));
    out.set(block.subarray(0, Math.min(block.length, length - offset)), offset);
    offset += block.length;
  }
  return out;
}

/**
 * RSASSA-PSS verification of `digest` with MGF1 over the same hash. The salt length is read from
 * the encoding (any length is accepted, like OpenSSL's "auto"), since signers choose it.
 */
export async function verifyPss(n: Uint8Array, e: Uint8Array, hash: HashName, digest: Uint8Array, signature: Uint8Array): Promise<boolean> {
  const N = toBigInt(n);
  const emBits = bitLength(N) - 1;
  const emLen = Math.ceil(emBits / 8);
  const k = byteLength(N);
  const full = publicOp(n, e, signature, k);
  if (!full) return false;
  // EM is the low emLen bytes; any byte above them must be zero.
  if (full.subarray(0, k - emLen).some((b) => b !== 0)) return false;
  const em = full.subarray(k - emLen);
  const hLen = digest.length;
  if (emLen < hLen + 2 || em[emLen - 1] !== 0xbc) return false;
  const maskedDb = em.subarray(0, emLen - hLen - 1);
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  const zeroBits = 8 * emLen - emBits;
  if (zeroBits && maskedDb[0]! >> (8 - zeroBits) !== 0) return false;
  const mask = await mgf1(hash, h, maskedDb.length);
  const db = maskedDb.map((b, i) => b ^ mask[i]!);
  if (zeroBits) db[0]! &= 0xff >> zeroBits;
  const one = db.findIndex((b) => b !== 0);
  if (one < 0 || db[one] !== 0x01) return false;
  const salt = db.subarray(one + 1);
  const mPrime = new Uint8Array(8 + hLen + salt.length);
  mPrime.set(digest, 8);
  mPrime.set(salt, 8 + hLen);
  return equalBytes(new Uint8Array(await crypto.subtle.digest(hash, mPrime)), h);
}
