// ECDSA verification over a digest for P-256, P-384 and P-521 (SEC 1 v2, section 4.1.4).
// Web Crypto's ECDSA always hashes the message itself, so verifying a bare digest (what Key Vault's
// sign takes) needs the point arithmetic here. Public inputs only: no constant-time concerns.
import { mod, modInv, toBigInt } from "./bigint.js";

interface Curve {
  p: bigint;
  n: bigint;
  b: bigint;
  gx: bigint;
  gy: bigint;
  size: number;
}

// Domain parameters of FIPS 186-5 / SEC 2 (a = -3 for all three).
const CURVES: Record<string, Curve> = {
  "P-256": {
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
    gx: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
    gy: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
    size: 32,
  },
  "P-384": {
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
    gx: 0xaa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7n,
    gy: 0x3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5fn,
    size: 48,
  },
  "P-521": {
    p: 0x1ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffn,
    n: 0x1fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
    b: 0x51953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00n,
    gx: 0xc6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66n,
    gy: 0x11839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650n,
    size: 66,
  },
};

/** True for the curves {@link verifyEcdsaDigest} supports (a function, not a computed constant, so it tree-shakes). */
export function isEcdsaDigestCurve(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(CURVES, name);
}

// Jacobian coordinates (X, Y, Z) with x = X/Z^2, y = Y/Z^3; Z = 0 is the point at infinity.
type Point = [bigint, bigint, bigint];

function double([x, y, z]: Point, p: bigint): Point {
  if (z === 0n || y === 0n) return [1n, 1n, 0n];
  const delta = (z * z) % p,
    gamma = (y * y) % p,
    beta = (x * gamma) % p;
  const alpha = (3n * mod(x - delta, p) * (x + delta)) % p;
  const x3 = mod(alpha * alpha - 8n * beta, p);
  const z3 = mod((y + z) * (y + z) - gamma - delta, p);
  const y3 = mod(alpha * (4n * beta - x3) - 8n * gamma * gamma, p);
  return [x3, y3, z3];
}

function add(a: Point, b: Point, p: bigint): Point {
  if (a[2] === 0n) return b;
  if (b[2] === 0n) return a;
  const [x1, y1, z1] = a,
    [x2, y2, z2] = b;
  const z1z1 = (z1 * z1) % p,
    z2z2 = (z2 * z2) % p;
  const u1 = (x1 * z2z2) % p,
    u2 = (x2 * z1z1) % p;
  const s1 = (y1 * z2 * z2z2) % p,
    s2 = (y2 * z1 * z1z1) % p;
  const h = mod(u2 - u1, p),
    r = mod(2n * (s2 - s1), p);
  if (h === 0n) return r === 0n ? double(a, p) : [1n, 1n, 0n];
  const i = (4n * h * h) % p,
    j = (h * i) % p,
    v = (u1 * i) % p;
  const x3 = mod(r * r - j - 2n * v, p);
  const y3 = mod(r * (v - x3) - 2n * s1 * j, p);
  const z3 = mod(((z1 + z2) * (z1 + z2) - z1z1 - z2z2) * h, p);
  return [x3, y3, z3];
}

/** u1*G + u2*Q in one pass (Shamir's trick). */
function twoMultiply(u1: bigint, g: Point, u2: bigint, q: Point, p: bigint): Point {
  const gq = add(g, q, p);
  let acc: Point = [1n, 1n, 0n];
  for (let bit = Math.max(u1.toString(2).length, u2.toString(2).length) - 1; bit >= 0; bit--) {
    acc = double(acc, p);
    const a = (u1 >> BigInt(bit)) & 1n,
      b = (u2 >> BigInt(bit)) & 1n;
    if (a && b) acc = add(acc, gq, p);
    else if (a) acc = add(acc, g, p);
    else if (b) acc = add(acc, q, p);
  }
  return acc;
}

/**
 * Verifies a raw `r || s` ECDSA signature over `digest` with the public point (x, y).
 * Returns false (never throws) for malformed or invalid input.
 */
export function verifyEcdsaDigest(curveName: string, x: Uint8Array, y: Uint8Array, digest: Uint8Array, signature: Uint8Array): boolean {
  const c = CURVES[curveName];
  if (!c || signature.length !== 2 * c.size) return false;
  const { p, n } = c;
  const qx = toBigInt(x),
    qy = toBigInt(y);
  // The public point must be on the curve: y^2 = x^3 - 3x + b.
  if (qx >= p || qy >= p || mod(qy * qy - (qx * qx * qx - 3n * qx + c.b), p) !== 0n) return false;
  const r = toBigInt(signature.subarray(0, c.size)),
    s = toBigInt(signature.subarray(c.size));
  if (r < 1n || r >= n || s < 1n || s >= n) return false;
  // e: the leftmost bitlen(n) bits of the digest.
  const nBits = n.toString(2).length,
    dBits = digest.length * 8;
  let e = toBigInt(digest);
  if (dBits > nBits) e >>= BigInt(dBits - nBits);
  const w = modInv(s, n);
  const point = twoMultiply(mod(e * w, n), [c.gx, c.gy, 1n], mod(r * w, n), [qx, qy, 1n], p);
  if (point[2] === 0n) return false;
  const zInv = modInv(point[2], p);
  const affineX = (point[0] * zInv * zInv) % p;
  return affineX % n === r;
}
