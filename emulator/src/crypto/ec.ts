// ECDSA over an existing digest with @noble/curves (Web Crypto always hashes the message and
// has no secp256k1). Signatures are raw r||s, randomized, as Key Vault returns them.
import { fromB64 } from "../bytes.js";

/** Curves Key Vault supports. */
export type Curve = "P-256" | "P-384" | "P-521" | "P-256K";

interface Ecdsa {
  getPublicKey(sk: Uint8Array, compressed?: boolean): Uint8Array;
  sign(msg: Uint8Array, sk: Uint8Array, opts?: Record<string, unknown>): Uint8Array;
  verify(sig: Uint8Array, msg: Uint8Array, pk: Uint8Array, opts?: Record<string, unknown>): boolean;
  utils: { randomSecretKey(): Uint8Array };
}

/** Coordinate size in bytes, and the JWS algorithm that goes with each curve. */
export const CURVES: Record<Curve, { size: number; alg: string; digest: number }> = {
  "P-256": { size: 32, alg: "ES256", digest: 32 },
  "P-384": { size: 48, alg: "ES384", digest: 48 },
  "P-521": { size: 66, alg: "ES512", digest: 64 },
  "P-256K": { size: 32, alg: "ES256K", digest: 32 },
};

/** Whether a value names a curve Key Vault supports (own keys only: "toString" is no curve). */
export const isCurve = (crv: unknown): crv is Curve => typeof crv === "string" && Object.hasOwn(CURVES, crv);

/** Error thrown when the optional peer dependency is missing. */
export class MissingPeerError extends Error {
  override name = "MissingPeerError";
}

async function curve(crv: Curve): Promise<Ecdsa> {
  try {
    if (crv === "P-256K") return (await import("@noble/curves/secp256k1.js")).secp256k1 as unknown as Ecdsa;
    const nist = await import("@noble/curves/nist.js");
    return (crv === "P-256" ? nist.p256 : crv === "P-384" ? nist.p384 : nist.p521) as unknown as Ecdsa;
  } catch (e) {
    throw new MissingPeerError(
      `EC keys in the emulator need the optional peer dependency @noble/curves (npm install @noble/curves): ${String(e)}`,
    );
  }
}

/** EC private key material: scalar d and public point (x, y), fixed-length big-endian. */
export interface EcKey {
  crv: Curve;
  d: Uint8Array;
  x: Uint8Array;
  y: Uint8Array;
}

/** Makes a new EC key. */
export async function generateEc(crv: Curve): Promise<EcKey> {
  const c = await curve(crv);
  const d = c.utils.randomSecretKey();
  return { crv, d, ...point(c.getPublicKey(d, false), CURVES[crv].size) };
}

function point(uncompressed: Uint8Array, size: number): { x: Uint8Array; y: Uint8Array } {
  return { x: uncompressed.slice(1, 1 + size), y: uncompressed.slice(1 + size, 1 + 2 * size) };
}

/** Reads an EC private JWK, checking that d matches x and y; undefined when invalid. */
export async function ecFromJwk(jwk: JsonWebKey): Promise<EcKey | undefined> {
  const crv = jwk.crv;
  if (!isCurve(crv)) return undefined;
  const size = CURVES[crv].size;
  const d = fromB64(jwk.d),
    x = fromB64(jwk.x),
    y = fromB64(jwk.y);
  if (!d || d.length === 0 || d.length > size) return undefined;
  const dd = new Uint8Array(size);
  dd.set(d, size - d.length);
  const c = await curve(crv);
  let pub: { x: Uint8Array; y: Uint8Array };
  try {
    pub = point(c.getPublicKey(dd, false), size);
  } catch {
    return undefined;
  }
  const same = (a: Uint8Array | undefined, b: Uint8Array) => !a || (a.length <= size && pad(a, size).every((v, i) => v === b[i]));
  if (!same(x, pub.x) || !same(y, pub.y)) return undefined;
  return { crv, d: dd, ...pub };
}

const pad = (a: Uint8Array, size: number): Uint8Array => {
  const out = new Uint8Array(size);
  out.set(a, size - a.length);
  return out;
};

/** Signs a digest; returns raw r||s. */
export async function ecSign(key: EcKey, digest: Uint8Array): Promise<Uint8Array> {
  const c = await curve(key.crv);
  return c.sign(digest, key.d, { prehash: false, lowS: false, extraEntropy: true, format: "compact" });
}

/** Verifies raw r||s over a digest. */
export async function ecVerify(key: { crv: Curve; x: Uint8Array; y: Uint8Array }, digest: Uint8Array, sig: Uint8Array): Promise<boolean> {
  const size = CURVES[key.crv].size;
  if (sig.length !== 2 * size) return false;
  const c = await curve(key.crv);
  const pub = new Uint8Array(1 + 2 * size);
  pub[0] = 4;
  pub.set(key.x, 1);
  pub.set(key.y, 1 + size);
  try {
    return c.verify(sig, digest, pub, { prehash: false, lowS: false, format: "compact" });
  } catch {
    return false;
  }
}
