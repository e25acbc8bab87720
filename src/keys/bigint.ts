// Big-endian bytes <-> BigInt and modular arithmetic for the public-key checks Web Crypto cannot do
// over a bare digest. Only public values pass through here, so plain (non-constant-time) math is fine.

/** Bytes (big-endian, unsigned) -> BigInt. */
export function toBigInt(bytes: Uint8Array): bigint {
  let hex = "0x0";
  for (const b of bytes) hex += b.toString(16).padStart(2, "0");
  return BigInt(hex);
}

/** BigInt -> exactly `length` big-endian bytes; undefined when it does not fit. */
export function toBytes(value: bigint, length: number): Uint8Array | undefined {
  const hex = value.toString(16);
  if (hex.length > length * 2) return undefined;
  const padded = hex.padStart(length * 2, "0");
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = parseInt(padded.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** a mod m, always in [0, m). */
export const mod = (a: bigint, m: bigint): bigint => ((a % m) + m) % m;

/** base^exp mod m by square-and-multiply. */
export function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  let result = 1n,
    b = mod(base, m),
    e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return result;
}

/** Inverse of a mod m (m prime) by Fermat. */
export const modInv = (a: bigint, m: bigint): bigint => modPow(a, m - 2n, m);
