// RSA with BigInt for what Web Crypto cannot do: signing a bare digest (PKCS#1 v1.5 with
// DigestInfo, and PSS encoding) and RSA1_5 encryption. OAEP goes through Web Crypto.
import { b64url as b64urlOf, buf, bytesEqual, concat, fromB64, fromBigInt, randomBytes, toBigInt } from "../bytes.js";

/** An RSA private key as integers (CRT form). */
export interface RsaKey {
  n: bigint;
  e: bigint;
  d: bigint;
  p: bigint;
  q: bigint;
  dp: bigint;
  dq: bigint;
  qi: bigint;
  size: number;
}
/** An RSA public key. */
export interface RsaPublic {
  n: bigint;
  e: bigint;
  size: number;
}

/** SHA-2 names by JWS hash size. */
export type ShaName = "SHA-256" | "SHA-384" | "SHA-512";

const DIGEST_INFO: Record<ShaName, Uint8Array> = {
  "SHA-256": new Uint8Array([
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
  ]),
  "SHA-384": new Uint8Array([
    0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30,
  ]),
  "SHA-512": new Uint8Array([
    0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40,
  ]),
};

const HASH_LEN: Record<ShaName, number> = { "SHA-256": 32, "SHA-384": 48, "SHA-512": 64 };

/** b^e mod m by square-and-multiply. */
export function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  b %= m;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return r;
}

function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [((a % m) + m) % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return ((oldS % m) + m) % m;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}

const bitLength = (x: bigint): number => x.toString(2).length;

/** Recovers p and q from n, e, d (imports may carry only those). */
function factor(n: bigint, e: bigint, d: bigint): [bigint, bigint] {
  const k = d * e - 1n;
  let t = 0n,
    r = k;
  while ((r & 1n) === 0n) {
    r >>= 1n;
    t++;
  }
  for (let g = 2n; g < 1000n; g++) {
    let y = modPow(g, r, n);
    if (y === 1n || y === n - 1n) continue;
    for (let i = 0n; i < t; i++) {
      const x = (y * y) % n;
      if (x === 1n) {
        const p = gcd(y - 1n, n);
        return [p, n / p];
      }
      if (x === n - 1n) break;
      y = x;
    }
  }
  throw new Error("cannot factor the RSA modulus from n, e, d");
}

const big = (s: string | undefined): bigint | undefined => {
  const b = s === undefined ? undefined : fromB64(s);
  return b ? toBigInt(b) : undefined;
};

/** Reads an RSA private JWK, computing missing CRT values; undefined when it is not a valid key. */
export function rsaFromJwk(jwk: JsonWebKey): RsaKey | undefined {
  const n = big(jwk.n),
    e = big(jwk.e),
    d = big(jwk.d);
  if (!n || !e || !d || n < 3n) return undefined;
  let p = big(jwk.p),
    q = big(jwk.q);
  if (!p || !q || p * q !== n) {
    try {
      [p, q] = factor(n, e, d);
    } catch {
      return undefined;
    }
  }
  const key: RsaKey = { n, e, d, p, q, dp: d % (p - 1n), dq: d % (q - 1n), qi: modInverse(q, p), size: Math.ceil(bitLength(n) / 8) };
  // A key whose d does not invert e would sign garbage: check once with a round trip.
  if (modPow(rsaPrivate(key, 2n), e, n) !== 2n) return undefined;
  return key;
}

/** Reads an RSA public JWK. */
export function rsaPublicFromJwk(jwk: JsonWebKey): RsaPublic | undefined {
  const n = big(jwk.n),
    e = big(jwk.e);
  return n && e ? { n, e, size: Math.ceil(bitLength(n) / 8) } : undefined;
}

/** The RSA private operation with CRT. */
function rsaPrivate(k: RsaKey, c: bigint): bigint {
  const m1 = modPow(c % k.p, k.dp, k.p);
  const m2 = modPow(c % k.q, k.dq, k.q);
  const h = (k.qi * (((m1 - m2) % k.p) + k.p)) % k.p;
  return m2 + h * k.q;
}

/** Key size in bits. */
export const rsaBits = (k: RsaPublic): number => bitLength(k.n);

/** RSASSA-PKCS1-v1_5 over an existing digest. */
export function signPkcs1(k: RsaKey, hash: ShaName, digest: Uint8Array): Uint8Array {
  const t = concat(DIGEST_INFO[hash], digest);
  const em = new Uint8Array(k.size);
  em[1] = 1;
  em.fill(0xff, 2, k.size - t.length - 1);
  em.set(t, k.size - t.length);
  return fromBigInt(rsaPrivate(k, toBigInt(em)), k.size);
}

/** Verifies RSASSA-PKCS1-v1_5 over a digest. */
export function verifyPkcs1(k: RsaPublic, hash: ShaName, digest: Uint8Array, sig: Uint8Array): boolean {
  if (sig.length !== k.size) return false;
  const s = toBigInt(sig);
  if (s >= k.n) return false;
  const em = fromBigInt(modPow(s, k.e, k.n), k.size);
  const t = concat(DIGEST_INFO[hash], digest);
  const expected = new Uint8Array(k.size);
  expected[1] = 1;
  expected.fill(0xff, 2, k.size - t.length - 1);
  expected.set(t, k.size - t.length);
  return bytesEqual(em, expected);
}

async function mgf1(hash: ShaName, seed: Uint8Array, len: number): Promise<Uint8Array> {
  const out = new Uint8Array(len);
  for (let i = 0, o = 0; o < len; i++) {
    const c = new Uint8Array([i >>> 24, (i >>> 16) & 255, (i >>> 8) & 255, i & 255]);
    const h = new Uint8Array(await crypto.subtle.digest(hash, buf(concat(seed, c))));
    out.set(h.subarray(0, Math.min(h.length, len - o)), o);
    o += h.length;
  }
  return out;
}

/** RSASSA-PSS over an existing digest, MGF1 with the same hash, salt length = hash length (as Key Vault). */
export async function signPss(k: RsaKey, hash: ShaName, digest: Uint8Array): Promise<Uint8Array> {
  const hLen = HASH_LEN[hash],
    emBits = bitLength(k.n) - 1,
    emLen = Math.ceil(emBits / 8);
  const salt = randomBytes(hLen);
  const h = new Uint8Array(await crypto.subtle.digest(hash, buf(concat(new Uint8Array(8), digest, salt))));
  const db = new Uint8Array(emLen - hLen - 1);
  db[emLen - hLen - hLen - 2] = 1;
  db.set(salt, db.length - hLen);
  const mask = await mgf1(hash, h, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!;
  db[0]! &= 0xff >>> (8 * emLen - emBits);
  const em = concat(db, h, new Uint8Array([0xbc]));
  return fromBigInt(rsaPrivate(k, toBigInt(em)), k.size);
}

/** Verifies RSASSA-PSS over a digest (any salt length). */
export async function verifyPss(k: RsaPublic, hash: ShaName, digest: Uint8Array, sig: Uint8Array): Promise<boolean> {
  if (sig.length !== k.size) return false;
  const s = toBigInt(sig);
  if (s >= k.n) return false;
  const hLen = HASH_LEN[hash],
    emBits = bitLength(k.n) - 1,
    emLen = Math.ceil(emBits / 8);
  const m = modPow(s, k.e, k.n);
  if (bitLength(m) > emBits) return false;
  const em = fromBigInt(m, emLen);
  if (em[emLen - 1] !== 0xbc) return false;
  const db = em.slice(0, emLen - hLen - 1),
    h = em.subarray(emLen - hLen - 1, emLen - 1);
  const topMask = 0xff >>> (8 * emLen - emBits);
  if ((db[0]! & ~topMask) !== 0) return false;
  const mask = await mgf1(hash, h, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!;
  db[0]! &= topMask;
  let i = 0;
  while (i < db.length && db[i] === 0) i++;
  if (db[i] !== 1) return false;
  const salt = db.subarray(i + 1);
  const h2 = new Uint8Array(await crypto.subtle.digest(hash, buf(concat(new Uint8Array(8), digest, salt))));
  return bytesEqual(h, h2);
}

/** RSAES-PKCS1-v1_5 encryption; undefined when the message is too long. */
export function encryptRsa15(k: RsaPublic, msg: Uint8Array): Uint8Array | undefined {
  if (msg.length > k.size - 11) return undefined;
  const ps = randomBytes(k.size - msg.length - 3);
  for (let i = 0; i < ps.length; i++) while (ps[i] === 0) ps[i] = randomBytes(1)[0]!;
  const em = concat(new Uint8Array([0, 2]), ps, new Uint8Array([0]), msg);
  return fromBigInt(modPow(toBigInt(em), k.e, k.n), k.size);
}

/** RSAES-PKCS1-v1_5 decryption; undefined when the padding is wrong. */
export function decryptRsa15(k: RsaKey, ct: Uint8Array): Uint8Array | undefined {
  if (ct.length !== k.size) return undefined;
  const c = toBigInt(ct);
  if (c >= k.n) return undefined;
  const em = fromBigInt(rsaPrivate(k, c), k.size);
  if (em[0] !== 0 || em[1] !== 2) return undefined;
  const sep = em.indexOf(0, 2);
  if (sep < 10) return undefined;
  return em.slice(sep + 1);
}

/** Generates an RSA key with Web Crypto and returns its private JWK. */
export async function generateRsa(bits: number, publicExponent = 65537): Promise<JsonWebKey> {
  const pair = (await crypto.subtle.generateKey(
    { name: "RSA-OAEP", modulusLength: bits, publicExponent: buf(fromBigInt(BigInt(publicExponent))), hash: "SHA-256" },
    true,
    ["encrypt", "decrypt"],
  )) as CryptoKeyPair;
  const jwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
  return { kty: "RSA", n: jwk.n, e: jwk.e, d: jwk.d, p: jwk.p, q: jwk.q, dp: jwk.dp, dq: jwk.dq, qi: jwk.qi };
}

/** RSA-OAEP (SHA-1 or SHA-256) with Web Crypto; decryption failures return undefined. */
export async function oaep(
  op: "encrypt" | "decrypt",
  jwk: JsonWebKey,
  hash: "SHA-1" | "SHA-256",
  data: Uint8Array,
): Promise<Uint8Array | undefined> {
  const pub = op === "encrypt";
  const material: JsonWebKey = pub
    ? { kty: "RSA", n: jwk.n, e: jwk.e }
    : { kty: "RSA", n: jwk.n, e: jwk.e, d: jwk.d, p: jwk.p, q: jwk.q, dp: jwk.dp, dq: jwk.dq, qi: jwk.qi };
  const key = await crypto.subtle.importKey("jwk", material, { name: "RSA-OAEP", hash }, false, [op]);
  try {
    return new Uint8Array(await crypto.subtle[op]({ name: "RSA-OAEP" }, key, buf(data)));
  } catch {
    return undefined;
  }
}

/** Writes a full private JWK (with CRT values) from integers. */
export function rsaToJwk(k: RsaKey): JsonWebKey {
  const b = (x: bigint, len?: number) => b64urlOf(fromBigInt(x, len));
  return { kty: "RSA", n: b(k.n), e: b(k.e), d: b(k.d), p: b(k.p), q: b(k.q), dp: b(k.dp), dq: b(k.dq), qi: b(k.qi) };
}
