// DER, both ways, for certificates: a writer for the structures the emulator issues (X.509, CSR,
// PKCS#8, PKCS#12) and a reader that turns untrusted bytes into a tree or throws Asn1Error.
import { concat, utf8 } from "../bytes.js";

/** Thrown for bytes that are not the DER the caller expected. */
export class Asn1Error extends Error {
  override name = "Asn1Error";
}

// --- writing ---

/** A tag-length-value with the definite-length DER form. */
export function tlv(tag: number, body: Uint8Array): Uint8Array {
  const n = body.length;
  const len: number[] = [];
  if (n < 0x80) len.push(n);
  else {
    for (let v = n; v > 0; v = Math.floor(v / 256)) len.unshift(v & 0xff);
    len.unshift(0x80 | len.length);
  }
  return concat(new Uint8Array([tag, ...len]), body);
}

export const seq = (...items: Uint8Array[]): Uint8Array => tlv(0x30, concat(...items));
export const set = (...items: Uint8Array[]): Uint8Array => tlv(0x31, concat(...items));
export const octets = (b: Uint8Array): Uint8Array => tlv(0x04, b);
export const nul = (): Uint8Array => new Uint8Array([0x05, 0x00]);
export const bool = (v: boolean): Uint8Array => new Uint8Array([0x01, 0x01, v ? 0xff : 0x00]);
export const utf8String = (s: string): Uint8Array => tlv(0x0c, utf8(s));
export const ia5 = (s: string): Uint8Array => tlv(0x16, utf8(s));
/** A context-specific constructed [n] wrapper (EXPLICIT tagging). */
export const explicit = (n: number, ...items: Uint8Array[]): Uint8Array => tlv(0xa0 | n, concat(...items));

/** A non-negative INTEGER from big-endian magnitude bytes (minimal, with a sign byte when needed). */
export function uint(magnitude: Uint8Array): Uint8Array {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const m = magnitude.subarray(i);
  return tlv(0x02, m.length === 0 ? new Uint8Array([0]) : m[0]! & 0x80 ? concat(new Uint8Array([0]), m) : m);
}
export const smallInt = (n: number): Uint8Array => uint(new Uint8Array([n >> 24, (n >> 16) & 255, (n >> 8) & 255, n & 255]));

export function bitString(bytes: Uint8Array, unusedBits = 0): Uint8Array {
  return tlv(0x03, concat(new Uint8Array([unusedBits]), bytes));
}

/** An OBJECT IDENTIFIER from its dotted form. */
export function oid(dotted: string): Uint8Array {
  const [a, b, ...rest] = dotted.split(".").map(Number);
  const out = [a! * 40 + b!];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, new Uint8Array(out));
}

/** UTCTime until 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5); seconds precision. */
export function time(unixSeconds: number): Uint8Array {
  const d = new Date(unixSeconds * 1000);
  const s = d.toISOString().replace(/[-:T]/g, "").slice(0, 14) + "Z";
  return d.getUTCFullYear() < 2050 ? tlv(0x17, utf8(s.slice(2))) : tlv(0x18, utf8(s));
}

// --- reading ---

/** One parsed element: its tag, the whole encoding, and its contents. */
export interface Node {
  tag: number;
  /** The whole TLV (what a signature covers). */
  raw: Uint8Array;
  /** The value bytes. */
  body: Uint8Array;
}

/** Reads one element at `at`; throws Asn1Error past the end or on an indefinite length. */
export function readNode(b: Uint8Array, at = 0): Node {
  if (at + 2 > b.length) throw new Asn1Error("truncated DER");
  const tag = b[at]!;
  if ((tag & 0x1f) === 0x1f) throw new Asn1Error("multi-byte tags are not supported");
  let len = b[at + 1]!;
  let head = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Asn1Error("unsupported DER length");
    if (at + 2 + n > b.length) throw new Asn1Error("truncated DER");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[at + 2 + i]!;
    head += n;
  }
  const end = at + head + len;
  if (end > b.length) throw new Asn1Error("truncated DER");
  return { tag, raw: b.subarray(at, end), body: b.subarray(at + head, end) };
}

/** Parses bytes that must be exactly one element. */
export function parse(b: Uint8Array): Node {
  const n = readNode(b);
  if (n.raw.length !== b.length) throw new Asn1Error("trailing bytes after DER");
  return n;
}

/** The elements inside a constructed element. */
export function children(n: Node): Node[] {
  if (!(n.tag & 0x20)) throw new Asn1Error("expected a constructed element");
  const out: Node[] = [];
  for (let at = 0; at < n.body.length; ) {
    const c = readNode(n.body, at);
    out.push(c);
    at += c.raw.length;
  }
  return out;
}

/** Children of an element that must carry `tag` (0x30 SEQUENCE by default), with at least `min` of them. */
export function expect(n: Node | undefined, tag = 0x30, min = 0): Node[] {
  if (!n || n.tag !== tag) throw new Asn1Error(`expected tag 0x${tag.toString(16)}`);
  const c = children(n);
  if (c.length < min) throw new Asn1Error("too few elements");
  return c;
}

/** The bytes of a primitive element with `tag`. */
export function value(n: Node | undefined, tag: number): Uint8Array {
  if (!n || n.tag !== tag) throw new Asn1Error(`expected tag 0x${tag.toString(16)}`);
  return n.body;
}

/** An INTEGER's magnitude, leading zero bytes removed. */
export function intBytes(n: Node | undefined): Uint8Array {
  const b = value(n, 0x02);
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

/** A small INTEGER as a number. */
export function intValue(n: Node | undefined): number {
  const b = intBytes(n);
  if (b.length > 4) throw new Asn1Error("integer too large");
  return b.reduce((v, x) => v * 256 + x, 0);
}

/** An OBJECT IDENTIFIER in dotted form. */
export function oidValue(n: Node | undefined): string {
  const b = value(n, 0x06);
  if (b.length === 0) throw new Asn1Error("empty OID");
  const arcs = [Math.floor(b[0]! / 40), b[0]! % 40];
  let v = 0;
  for (let i = 1; i < b.length; i++) {
    v = v * 128 + (b[i]! & 0x7f);
    if (!(b[i]! & 0x80)) {
      arcs.push(v);
      v = 0;
    }
  }
  return arcs.join(".");
}

/** A UTCTime or GeneralizedTime as unix seconds. */
export function timeValue(n: Node | undefined): number {
  if (!n || (n.tag !== 0x17 && n.tag !== 0x18)) throw new Asn1Error("expected a time");
  const s = new TextDecoder().decode(n.body);
  const m = (n.tag === 0x17 ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/ : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/).exec(s);
  if (!m) throw new Asn1Error("bad time");
  let year = Number(m[1]);
  if (n.tag === 0x17) year += year < 50 ? 2000 : 1900;
  return Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) / 1000;
}
