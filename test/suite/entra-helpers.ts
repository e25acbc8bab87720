// Test helpers for the entra and jose suites: a minimal self-signed X.509 certificate (so the
// certificate provider meets real DER), PEM, JWT decoding, and a fetch that records requests.
import type { Lib } from "./harness.js";

function len(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}
function tlv(tag: number, ...content: Uint8Array[]): Uint8Array {
  const body = concat(...content);
  return concat(new Uint8Array([tag, ...len(body.length)]), body);
}
function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let i = 0;
  for (const p of parts) {
    out.set(p, i);
    i += p.length;
  }
  return out;
}
const bytes = (...b: number[]) => new Uint8Array(b);
const seq = (...c: Uint8Array[]) => tlv(0x30, ...c);
const utcTime = (d: Date) => tlv(0x17, new TextEncoder().encode(d.toISOString().replace(/[-:T]/g, "").slice(2, 14) + "Z"));
const SHA256_WITH_RSA = seq(bytes(0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b), bytes(0x05, 0x00));
const name = (cn: string) => seq(tlv(0x31, seq(bytes(0x06, 0x03, 0x55, 0x04, 0x03), tlv(0x0c, new TextEncoder().encode(cn)))));

export interface TestCertificate {
  /** certificate PEM */
  certificatePem: string;
  /** PKCS #8 private key PEM */
  privateKeyPem: string;
  der: Uint8Array;
  publicJwk: JsonWebKey;
  privateKey: CryptoKey;
}

/** PEM text of a DER block. */
export function pem(label: string, der: Uint8Array, lib: Lib): string {
  const b64 = lib.core.base64Encode(der);
  return `-----BEGIN ${label}-----\n${b64.match(/.{1,64}/g)!.join("\n")}\n-----END ${label}-----\n`;
}

/** A self-signed RSA 2048 certificate (sha256WithRSAEncryption) with its PKCS #8 key. */
export async function makeCertificate(lib: Lib, cn = "keyvault-fetch test"): Promise<TestCertificate> {
  const pair = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", pair.publicKey));
  const now = Date.now();
  const tbs = seq(
    tlv(0xa0, tlv(0x02, bytes(2))),
    tlv(0x02, bytes(0x01, ...crypto.getRandomValues(new Uint8Array(8)))),
    SHA256_WITH_RSA,
    name(cn),
    seq(utcTime(new Date(now - 3600_000)), utcTime(new Date(now + 30 * 86400_000))),
    name(cn),
    spki,
  );
  const signature = new Uint8Array(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", pair.privateKey, tbs as BufferSource));
  const der = seq(tbs, SHA256_WITH_RSA, tlv(0x03, bytes(0), signature));
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  const jwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
  return {
    certificatePem: pem("CERTIFICATE", der, lib),
    privateKeyPem: pem("PRIVATE KEY", pkcs8, lib),
    der,
    publicJwk: { kty: "RSA", n: jwk.n!, e: jwk.e! },
    privateKey: pair.privateKey,
  };
}

/** Header and claims of a JWT (no verification). */
export function decodeJwt(lib: Lib, token: string): { header: Record<string, any>; claims: Record<string, any> } {
  const [h, p] = token.split(".");
  const json = (s: string) => JSON.parse(lib.core.utf8Decode(lib.core.base64UrlDecode(s)));
  return { header: json(h!), claims: json(p!) };
}

/** One request a recording fetch saw. */
export interface Seen {
  method: string;
  url: URL;
  headers: Headers;
  body: string;
}

/** Wraps a fetch (the emulator's, or a handler) and records each request with its body. */
export function recordingFetch(inner: (req: Request) => Promise<Response> | Response) {
  const seen: Seen[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const body = request.method === "GET" || request.method === "HEAD" ? "" : await request.clone().text();
    seen.push({ method: request.method, url: new URL(request.url), headers: request.headers, body });
    return inner(request);
  };
  return { fetch, seen };
}

/** A JSON response. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

let counter = 0;
/** A vault name no other test uses (the challenge cache is per origin, isolate-wide). */
export function uniqueName(prefix: string): string {
  counter++;
  return `${prefix}${counter}${Math.floor(Math.random() * 1e8).toString(36)}`.slice(0, 24);
}

/** Lazily made once per run: RSA key generation is the slow part of these tests. */
export function once<T>(make: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= make());
}
