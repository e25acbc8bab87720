// A small DER reader for X.509 certificates: just what a certificate's holder needs (names,
// validity, SANs, the public key, thumbprints). It reads; it does not judge: no signature, chain,
// revocation or name-constraint checks. Malformed input is an ERR_INVALID_INPUT, never a TypeError.
import { base64UrlEncode, utf8Decode } from "../encoding.js";
import { KeyVaultClientError } from "../errors.js";
import type { WebCryptoKey } from "../web-types.js";

/** One DER element: its tag byte and where its content is. */
interface Tlv {
  tag: number;
  /** start of the element (its tag byte) */
  header: number;
  /** start of the content */
  start: number;
  /** end of the content (exclusive) */
  end: number;
}

const malformed = (what: string) => new KeyVaultClientError("ERR_INVALID_INPUT", `not a DER X.509 certificate: ${what}`);

/** The element at `offset` (definite lengths only, as DER requires). */
function tlv(der: Uint8Array, offset: number, limit = der.length): Tlv {
  if (offset + 2 > limit) throw malformed("truncated");
  const tag = der[offset]!;
  let length = der[offset + 1]!;
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || start + count > limit) throw malformed("bad length");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[start + i]!;
    start += count;
  }
  if (start + length > limit) throw malformed("truncated");
  return { tag, header: offset, start, end: start + length };
}

/** The elements inside a constructed element. */
function children(der: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end; ) {
    const child = tlv(der, at, parent.end);
    out.push(child);
    at = child.end;
  }
  return out;
}

const content = (der: Uint8Array, t: Tlv): Uint8Array<ArrayBuffer> => der.slice(t.start, t.end);
const whole = (der: Uint8Array, t: Tlv): Uint8Array<ArrayBuffer> => der.slice(t.header, t.end);

/** An OBJECT IDENTIFIER's dotted form. */
function oid(der: Uint8Array, t: Tlv): string {
  if (t.tag !== 0x06) throw malformed("expected an OID");
  const parts: number[] = [];
  let value = 0;
  for (let i = t.start; i < t.end; i++) {
    value = value * 128 + (der[i]! & 0x7f);
    if (!(der[i]! & 0x80)) {
      if (!parts.length) parts.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else parts.push(value);
      value = 0;
    }
  }
  return parts.join(".");
}

function time(der: Uint8Array, t: Tlv): Date {
  const s = String.fromCharCode(...content(der, t));
  const m = (t.tag === 0x17 ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/ : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/).exec(s);
  if (!m || (t.tag !== 0x17 && t.tag !== 0x18)) throw malformed("bad time");
  let year = Number(m[1]);
  if (t.tag === 0x17) year += year < 50 ? 2000 : 1900; // RFC 5280: UTCTime years 50-99 are 19xx
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

/** Short names of the attribute types an RFC 4514 string uses. */
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

function text(der: Uint8Array, t: Tlv): string {
  const bytes = content(der, t);
  if (t.tag === 0x1e) {
    // BMPString: UTF-16BE
    let s = "";
    for (let i = 0; i + 1 < bytes.length; i += 2) s += String.fromCharCode((bytes[i]! << 8) | bytes[i + 1]!);
    return s;
  }
  return utf8Decode(bytes);
}

/** A Name as an RFC 4514 string (most significant last: `CN=leaf, O=Example, C=US`). */
function name(der: Uint8Array, t: Tlv): string {
  const rdns = children(der, t).map((set) =>
    children(der, set)
      .map((atv) => {
        const [type, value] = children(der, atv);
        if (!type || !value) throw malformed("bad name");
        const o = oid(der, type);
        const v = text(der, value).replace(/([,+"\\<>;])/g, "\\$1");
        return `${ATTRIBUTES[o] ?? o}=${v}`;
      })
      .join("+"),
  );
  return rdns.reverse().join(", ");
}

/**
 * A certificate's subject alternative names, by kind.
 * @example
 * const { dnsNames }: SubjectAltNames = parseCertificate(der).subjectAltNames;
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
    const raw = () => String.fromCharCode(...content(der, g));
    if (g.tag === 0x82) out.dnsNames.push(raw());
    else if (g.tag === 0x81) out.emails.push(raw());
    else if (g.tag === 0x86) out.uris.push(raw());
    else if (g.tag === 0x87) {
      const b = content(der, g);
      out.ipAddresses.push(
        b.length === 4
          ? b.join(".")
          : Array.from({ length: b.length / 2 }, (_, i) => ((b[2 * i]! << 8) | b[2 * i + 1]!).toString(16)).join(":"),
      );
    } else if (g.tag === 0xa0) {
      const [type, value] = children(der, g);
      if (type && value && oid(der, type) === "1.3.6.1.4.1.311.20.2.3") {
        const inner = children(der, value)[0];
        if (inner) out.userPrincipalNames.push(text(der, inner));
      }
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
 * const info: CertificateInfo = parseCertificate(certificate.cer);
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
  if (!(der instanceof Uint8Array)) throw malformed("expected bytes");
  const bytes = der.slice();
  const certificate = tlv(bytes, 0);
  if (certificate.tag !== 0x30 || certificate.end !== bytes.length) throw malformed("not one SEQUENCE");
  const [tbs] = children(bytes, certificate);
  if (!tbs || tbs.tag !== 0x30) throw malformed("no TBSCertificate");
  const fields = children(bytes, tbs);
  let i = fields[0]?.tag === 0xa0 ? 1 : 0; // [0] version
  const serial = fields[i++],
    _signature = fields[i++],
    issuer = fields[i++],
    validity = fields[i++],
    subject = fields[i++],
    spki = fields[i++];
  if (!serial || !issuer || !validity || !subject || !spki || !_signature) throw malformed("missing fields");
  const [from, until] = children(bytes, validity);
  if (!from || !until) throw malformed("bad validity");
  let sans: SubjectAltNames = { dnsNames: [], emails: [], uris: [], ipAddresses: [], userPrincipalNames: [] };
  const extensions = fields.find((f) => f.tag === 0xa3);
  if (extensions) {
    const [list] = children(bytes, extensions);
    for (const ext of list ? children(bytes, list) : []) {
      const parts = children(bytes, ext);
      if (parts[0] && oid(bytes, parts[0]) === "2.5.29.17") {
        const value = parts[parts.length - 1]!;
        sans = altNames(bytes, tlv(bytes, value.start, value.end));
      }
    }
  }
  const serialBytes = content(bytes, serial);
  return {
    subject: name(bytes, subject),
    issuer: name(bytes, issuer),
    serialNumber: Array.from(serialBytes, (b) => b.toString(16).padStart(2, "0").toUpperCase()).join(""),
    notBefore: time(bytes, from),
    notAfter: time(bytes, until),
    subjectAltNames: sans,
    spki: whole(bytes, spki),
    publicKey: keyInfo(bytes, spki),
    subjectDer: whole(bytes, subject),
    issuerDer: whole(bytes, issuer),
    der: bytes,
  };
}

function keyInfo(der: Uint8Array, spki: Tlv): PublicKeyInfo {
  const [algorithm, key] = children(der, spki);
  if (!algorithm || !key) throw malformed("bad public key");
  const [type, parameters] = children(der, algorithm);
  if (!type) throw malformed("bad public key algorithm");
  const o = oid(der, type);
  if (o === "1.2.840.113549.1.1.1") {
    // BIT STRING (unused-bits byte) holding RSAPublicKey { modulus, exponent }
    const inner = tlv(der, key.start + 1, key.end);
    const [modulus] = children(der, inner);
    if (!modulus) throw malformed("bad RSA key");
    let n = modulus.end - modulus.start;
    if (der[modulus.start] === 0) n--;
    return { kty: "RSA", bits: n * 8 };
  }
  if (o === "1.2.840.10045.2.1" && parameters?.tag === 0x06) {
    const curve = oid(der, parameters);
    return { kty: "EC", crv: CURVES[curve] ?? curve };
  }
  return { kty: o as "RSA", bits: 0 };
}

/**
 * The thumbprints JOSE and Entra name a certificate by: `x5t` (SHA-1) and `x5t#S256` (SHA-256),
 * both base64url of the DER certificate's digest.
 * @example
 * const { x5t, x5tS256 } = await certificateThumbprints(certificate.cer);
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
  if (key.kty === "EC" && (key.crv === "P-256" || key.crv === "P-384" || key.crv === "P-521")) return { name: "ECDSA", namedCurve: key.crv };
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
 * const publicKey = await importCertificatePublicKey(certificate.cer);
 * const ok = await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, publicKey, signature, data);
 */
export async function importCertificatePublicKey(
  der: Uint8Array,
  rsa?: { name?: "RSASSA-PKCS1-v1_5" | "RSA-PSS"; hash?: "SHA-256" | "SHA-384" | "SHA-512" },
): Promise<WebCryptoKey> {
  const info = parseCertificate(der);
  return crypto.subtle.importKey("spki", info.spki, importAlgorithm(info.publicKey, rsa), true, ["verify"]);
}
