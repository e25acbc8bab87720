// A small DER reader for X.509 certificates: just what a certificate's holder needs (names,
// validity, SANs, the public key, thumbprints). It reads; it does not judge: no signature, chain,
// revocation or name-constraint checks. Malformed input is an ERR_INVALID_INPUT, never a TypeError.
import { base64UrlEncode, utf8Decode } from "../encoding.js";
import { KeyVaultClientError } from "../errors.js";
import type { WebCryptoKey } from "../web-types.js";

/** One DER element: its tag, where it starts (`at`), where its content starts (`start`) and ends. */
interface Tlv {
  tag: number;
  at: number;
  start: number;
  end: number;
}

const malformed = () => new KeyVaultClientError("ERR_INVALID_INPUT", "not a DER X.509 certificate");

/** The element at `at` (definite lengths of up to 4 bytes, as DER certificates have), within `limit`. */
function tlv(der: Uint8Array, at: number, limit: number): Tlv {
  let length = der[at + 1]!;
  let start = at + 2;
  if (length > 0x80 && length < 0x85) {
    const count = length & 0x7f;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[start++]!;
  } else if (length >= 0x80) throw malformed();
  if (start + length > limit || at + 2 > limit) throw malformed();
  return { tag: der[at]!, at, start, end: start + length };
}

/** The elements inside a constructed element. */
function children(der: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end; at = out[out.length - 1]!.end) out.push(tlv(der, at, parent.end));
  return out;
}

const content = (der: Uint8Array, t: Tlv): Uint8Array<ArrayBuffer> => der.slice(t.start, t.end);
const ascii = (der: Uint8Array, t: Tlv): string => String.fromCharCode(...content(der, t));

/** An OBJECT IDENTIFIER's dotted form. */
function oid(der: Uint8Array, t: Tlv): string {
  const parts: number[] = [];
  for (let i = t.start, v = 0; i < t.end; i++) {
    v = v * 128 + (der[i]! & 0x7f);
    if (der[i]! < 0x80) {
      if (parts.length) parts.push(v);
      else parts.push(Math.min(2, Math.floor(v / 40)), v - Math.min(2, Math.floor(v / 40)) * 40);
      v = 0;
    }
  }
  return parts.join(".");
}

/** UTCTime (YYMMDDHHMMSSZ, years 50-99 are 19xx, RFC 5280) or GeneralizedTime (YYYYMMDDHHMMSSZ). */
function time(der: Uint8Array, t: Tlv): Date {
  let s = ascii(der, t);
  if (t.tag === 0x17) s = (Number(s.slice(0, 2)) < 50 ? "20" : "19") + s;
  const m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s);
  if (!m) throw malformed();
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

/** Short names of the attribute types an RFC 4514 string uses; others show as their OID. */
const ATTRIBUTES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.9": "STREET",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.5": "SERIALNUMBER",
  "0.9.2342.19200300.100.1.25": "DC",
  "0.9.2342.19200300.100.1.1": "UID",
  "1.2.840.113549.1.9.1": "E",
};

/** A Name as an RFC 4514 string (most significant last: `CN=leaf, O=Example, C=US`). */
function name(der: Uint8Array, t: Tlv): string {
  const rdns = children(der, t).map((set) =>
    children(der, set)
      .map((atv) => {
        const [type, value] = children(der, atv);
        const o = oid(der, type!);
        return `${ATTRIBUTES[o] ?? o}=${utf8Decode(content(der, value!)).replace(/([,+"\\<>;])/g, "\\$1")}`;
      })
      .join("+"),
  );
  return rdns.reverse().join(", ");
}

/**
 * A certificate's subject alternative names, by kind.
 * @example
 * const { dnsNames }: SubjectAltNames = parseCertificate(leafDer).subjectAltNames;
 */
export interface SubjectAltNames {
  dnsNames: string[];
  emails: string[];
  uris: string[];
  /** Dotted IPv4 or full (uncompressed) IPv6. */
  ipAddresses: string[];
  /** Microsoft UPN otherNames. */
  userPrincipalNames: string[];
}

function altNames(der: Uint8Array, t: Tlv): SubjectAltNames {
  const out: SubjectAltNames = { dnsNames: [], emails: [], uris: [], ipAddresses: [], userPrincipalNames: [] };
  for (const g of children(der, t)) {
    const b = content(der, g);
    if (g.tag === 0x82) out.dnsNames.push(ascii(der, g));
    else if (g.tag === 0x81) out.emails.push(ascii(der, g));
    else if (g.tag === 0x86) out.uris.push(ascii(der, g));
    else if (g.tag === 0x87)
      out.ipAddresses.push(
        b.length === 4 ? b.join(".") : Array.from({ length: 8 }, (_, i) => ((b[2 * i]! << 8) | b[2 * i + 1]!).toString(16)).join(":"),
      );
    else if (g.tag === 0xa0) {
      // otherName: a UPN is [0] { OID 1.3.6.1.4.1.311.20.2.3, [0] UTF8String }
      const [type, value] = children(der, g);
      const inner = value && children(der, value)[0];
      if (type && inner && oid(der, type) === "1.3.6.1.4.1.311.20.2.3") out.userPrincipalNames.push(utf8Decode(content(der, inner)));
    }
  }
  return out;
}

/** The public key's algorithm, as Web Crypto's `importKey("spki", ...)` needs it. */
export type PublicKeyInfo = { kty: "RSA"; bits: number } | { kty: "EC"; crv: "P-256" | "P-384" | "P-521" | "P-256K" | (string & {}) };

const CURVES: Record<string, string> = {
  "1.2.840.10045.3.1.7": "P-256",
  "1.3.132.0.34": "P-384",
  "1.3.132.0.35": "P-521",
  "1.3.132.0.10": "P-256K",
};

/**
 * What {@link parseCertificate} reads from a certificate.
 * @example
 * const info: CertificateInfo = parseCertificate(leafDer);
 * console.log(info.subject, info.notAfter, info.subjectAltNames.dnsNames);
 */
export interface CertificateInfo {
  /** RFC 4514 (`CN=api.example.com, O=Example`). */
  subject: string;
  issuer: string;
  /** The serial number, hex (upper case). */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  subjectAltNames: SubjectAltNames;
  /** The DER SubjectPublicKeyInfo: `crypto.subtle.importKey("spki", ...)` takes it. */
  spki: Uint8Array<ArrayBuffer>;
  publicKey: PublicKeyInfo;
  /** Raw DER of the subject and issuer names (to match a chain's links exactly). */
  subjectDer: Uint8Array<ArrayBuffer>;
  issuerDer: Uint8Array<ArrayBuffer>;
  /** The certificate as given (DER). */
  der: Uint8Array<ArrayBuffer>;
}

/**
 * Reads a DER certificate: names, validity, SANs, public key. It only reads: it does not check the
 * signature, the chain or revocation (use the platform's TLS or a PKI library for that).
 * @example
 * const { cer } = await getCertificate(client, "api-tls");
 * const { subject, notAfter, subjectAltNames } = parseCertificate(cer);
 */
export function parseCertificate(der: Uint8Array): CertificateInfo {
  if (!(der instanceof Uint8Array)) throw malformed();
  const bytes = der.slice();
  try {
    const certificate = tlv(bytes, 0, bytes.length);
    const tbs = children(bytes, certificate)[0]!;
    if (certificate.tag !== 0x30 || certificate.end !== bytes.length || tbs.tag !== 0x30) throw malformed();
    const fields = children(bytes, tbs);
    // [0] version, serial, signature algorithm, issuer, validity, subject, key, ..., [3] extensions
    const [serial, , issuer, validity, subject, spki] = fields.slice(fields[0]!.tag === 0xa0 ? 1 : 0);
    const [from, until] = children(bytes, validity!);
    let sans: SubjectAltNames = { dnsNames: [], emails: [], uris: [], ipAddresses: [], userPrincipalNames: [] };
    const extensions = fields.find((f) => f.tag === 0xa3);
    for (const ext of extensions ? children(bytes, children(bytes, extensions)[0]!) : []) {
      const parts = children(bytes, ext);
      const value = parts[parts.length - 1]!;
      if (oid(bytes, parts[0]!) === "2.5.29.17") sans = altNames(bytes, tlv(bytes, value.start, value.end));
    }
    const whole = (t: Tlv) => bytes.slice(t.at, t.end);
    return {
      subject: name(bytes, subject!),
      issuer: name(bytes, issuer!),
      serialNumber: Array.from(content(bytes, serial!), (b) => b.toString(16).padStart(2, "0"))
        .join("")
        .toUpperCase(),
      notBefore: time(bytes, from!),
      notAfter: time(bytes, until!),
      subjectAltNames: sans,
      spki: whole(spki!),
      publicKey: keyInfo(bytes, spki!),
      subjectDer: whole(subject!),
      issuerDer: whole(issuer!),
      der: bytes,
    };
  } catch (e) {
    // A truncated or odd certificate ends as a TypeError somewhere inside: always the same clear error.
    if (e instanceof KeyVaultClientError) throw e;
    throw malformed();
  }
}

function keyInfo(der: Uint8Array, spki: Tlv): PublicKeyInfo {
  const [algorithm, key] = children(der, spki);
  const [type, parameters] = children(der, algorithm!);
  const o = oid(der, type!);
  if (o === "1.2.840.10045.2.1") return { kty: "EC", crv: CURVES[oid(der, parameters!)] ?? "unknown" };
  if (o !== "1.2.840.113549.1.1.1") return { kty: o as "RSA", bits: 0 };
  // BIT STRING (one unused-bits byte) holding RSAPublicKey { modulus, exponent }; the modulus may have a leading 0
  const modulus = children(der, tlv(der, key!.start + 1, key!.end))[0]!;
  return { kty: "RSA", bits: (modulus.end - modulus.start - (der[modulus.start] === 0 ? 1 : 0)) * 8 };
}

/**
 * The thumbprints JOSE and Entra name a certificate by: `x5t` (SHA-1) and `x5t#S256` (SHA-256),
 * both base64url of the DER certificate's digest.
 * @example
 * const { x5t, x5tS256 } = await certificateThumbprints(leafDer);
 */
export async function certificateThumbprints(der: Uint8Array<ArrayBuffer>): Promise<{ x5t: string; x5tS256: string }> {
  const [sha1, sha256] = await Promise.all([crypto.subtle.digest("SHA-1", der), crypto.subtle.digest("SHA-256", der)]);
  return { x5t: base64UrlEncode(new Uint8Array(sha1)), x5tS256: base64UrlEncode(new Uint8Array(sha256)) };
}

/**
 * @internal Web Crypto's import algorithm for a certificate's key. RSA keys sign with RSASSA-PKCS1-v1_5
 * (or RSA-PSS) and SHA-256 unless told; EC keys with ECDSA on their curve. P-256K (secp256k1)
 * and unknown algorithms are `ERR_UNSUPPORTED`: Web Crypto has no such curve.
 */
export function importAlgorithm(
  key: PublicKeyInfo,
  rsa: { name?: "RSASSA-PKCS1-v1_5" | "RSA-PSS"; hash?: "SHA-256" | "SHA-384" | "SHA-512" } = {},
): { name: string; hash?: string; namedCurve?: string } {
  if (key.kty === "RSA") return { name: rsa.name ?? "RSASSA-PKCS1-v1_5", hash: rsa.hash ?? "SHA-256" };
  if (key.kty === "EC" && (key.crv === "P-256" || key.crv === "P-384" || key.crv === "P-521"))
    return { name: "ECDSA", namedCurve: key.crv };
  throw new KeyVaultClientError(
    "ERR_UNSUPPORTED",
    key.kty === "EC"
      ? `the certificate's key is on curve ${key.crv}, which Web Crypto lacks: sign in the vault instead (sign from keyvault-fetch/keys with the certificate's keyId), or create the certificate on P-256, P-384 or P-521`
      : `the certificate's key type (${(key as { kty: string }).kty}) is not RSA or EC: Web Crypto cannot use it`,
  );
}

/**
 * The certificate's public key as a Web Crypto key (to verify what its private key signed).
 * @example
 * const publicKey = await importCertificatePublicKey(leafDer);
 * const ok = await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, publicKey, signature, data);
 */
export async function importCertificatePublicKey(
  der: Uint8Array,
  rsa?: { name?: "RSASSA-PKCS1-v1_5" | "RSA-PSS"; hash?: "SHA-256" | "SHA-384" | "SHA-512" },
): Promise<WebCryptoKey> {
  const info = parseCertificate(der);
  return crypto.subtle.importKey("spki", info.spki, importAlgorithm(info.publicKey, rsa), true, ["verify"]);
}
