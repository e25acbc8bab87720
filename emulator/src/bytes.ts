// Small byte helpers for the emulator (kept local so the emulator never depends on the core client).

/** Encodes bytes as base64url without padding, the wire format of Key Vault. */
export function b64url(bytes: Uint8Array): string {
  return b64std(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Encodes bytes as standard base64 with padding. */
export function b64std(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/**
 * Decodes base64url or standard base64 (padded or not), like the service does.
 * Returns undefined for anything else, so callers can answer 400.
 */
export function fromB64(s: unknown): Uint8Array | undefined {
  if (typeof s !== "string") return undefined;
  const t = s.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
  if (!/^[A-Za-z0-9+/]*$/.test(t) || t.length % 4 === 1) return undefined;
  const bin = atob(t + "===".slice(0, (4 - (t.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** UTF-8 encode. */
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
/** UTF-8 decode. */
export const fromUtf8 = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Joins byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Cryptographically random bytes. */
export function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}

/** Lower-case hex. */
export const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/** A random 32-hex-character id, the shape of Key Vault key versions. */
export const randomVersion = (): string => hex(randomBytes(16));

/** A random RFC 4122 v4 UUID (crypto.randomUUID is missing in insecure browser contexts). */
export function uuid(): string {
  const b = randomBytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = hex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Big-endian unsigned bytes -> bigint. */
export function toBigInt(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt("0x" + hex(b));
}

/** bigint -> big-endian bytes, left-padded to `len` (minimal length when omitted). */
export function fromBigInt(x: bigint, len?: number): Uint8Array {
  let h = x.toString(16);
  if (h.length % 2) h = "0" + h;
  const raw = new Uint8Array(h.length / 2);
  for (let i = 0; i < raw.length; i++) raw[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  if (len === undefined || raw.length === len) return raw;
  if (raw.length > len) throw new Error("integer too large");
  const out = new Uint8Array(len);
  out.set(raw, len - raw.length);
  return out;
}

/** Strips leading zero bytes (JWK integers are minimal). */
export function stripLeadingZeros(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

/** Constant-time-ish equality (the emulator is no security boundary, but keep the habit). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/** Web Crypto wants a BufferSource backed by an ArrayBuffer; TS 5.9 is strict about it. */
export const buf = (b: Uint8Array): Uint8Array<ArrayBuffer> =>
  b.buffer instanceof ArrayBuffer && b.byteOffset === 0 && b.byteLength === b.buffer.byteLength
    ? (b as Uint8Array<ArrayBuffer>)
    : new Uint8Array(b);
