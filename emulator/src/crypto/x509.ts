// X.509 for the emulator's certificates: subject names, public keys (SPKI), PKCS#8 private keys,
// self-signed certificates and certification requests (CSR) written in DER, and certificates and
// keys read back from untrusted bytes (imports and merges). RSA signs with PKCS#1 v1.5 and
// SHA-256, EC with ECDSA and the hash that matches its curve, as Key Vault issues them.
import { b64url, buf, concat, fromB64, randomBytes } from "../bytes.js";
import * as der from "./asn1.js";
import { Asn1Error } from "./asn1.js";
import { CURVES, ecFromJwk, ecSign, type Curve, type EcKey } from "./ec.js";
import { rsaFromJwk, rsaToJwk, signPkcs1, type ShaName } from "./rsa.js";

/** A certificate's private key: the emulator's key material for RSA and EC. */
export type CertKey = { kind: "RSA"; jwk: JsonWebKey; bits: number } | { kind: "EC"; key: EcKey };

const OID = {
  rsaEncryption: "1.2.840.113549.1.1.1",
  sha256WithRSA: "1.2.840.113549.1.1.11",
  ecPublicKey: "1.2.840.10045.2.1",
  extensionRequest: "1.2.840.113549.1.9.14",
  keyUsage: "2.5.29.15",
  basicConstraints: "2.5.29.19",
  extKeyUsage: "2.5.29.37",
  subjectAltName: "2.5.29.17",
  subjectKeyId: "2.5.29.14",
  authorityKeyId: "2.5.29.35",
  upn: "1.3.6.1.4.1.311.20.2.3",
};
const CURVE_OIDS: Record<Curve, string> = {
  "P-256": "1.2.840.10045.3.1.7",
  "P-384": "1.3.132.0.34",
  "P-521": "1.3.132.0.35",
  "P-256K": "1.3.132.0.10",
};
const ECDSA: Record<Curve, { oid: string; hash: ShaName }> = {
  "P-256": { oid: "1.2.840.10045.4.3.2", hash: "SHA-256" },
  "P-256K": { oid: "1.2.840.10045.4.3.2", hash: "SHA-256" },
  "P-384": { oid: "1.2.840.10045.4.3.3", hash: "SHA-384" },
  "P-521": { oid: "1.2.840.10045.4.3.4", hash: "SHA-512" },
};

/** Subject name attributes by the short names a policy's subject uses. */
const NAME_ATTRS = new Map<string, string>([
  ["CN", "2.5.4.3"],
  ["C", "2.5.4.6"],
  ["L", "2.5.4.7"],
  ["S", "2.5.4.8"],
  ["ST", "2.5.4.8"],
  ["STREET", "2.5.4.9"],
  ["O", "2.5.4.10"],
  ["OU", "2.5.4.11"],
  ["T", "2.5.4.12"],
  ["SERIALNUMBER", "2.5.4.5"],
  ["DC", "0.9.2342.19200300.100.1.25"],
  ["E", "1.2.840.113549.1.9.1"],
  ["EMAIL", "1.2.840.113549.1.9.1"],
]);
const NAME_LABELS = new Map<string, string>([...NAME_ATTRS].reverse().map(([k, v]) => [v, k === "EMAIL" ? "E" : k === "ST" ? "S" : k]));

/** Key usage names, in the bit order of RFC 5280 §4.2.1.3. */
export const KEY_USAGES = [
  "digitalSignature",
  "nonRepudiation",
  "keyEncipherment",
  "dataEncipherment",
  "keyAgreement",
  "keyCertSign",
  "cRLSign",
  "encipherOnly",
  "decipherOnly",
] as const;

/** Thrown for a subject the emulator cannot encode. */
export class SubjectError extends Error {
  override name = "SubjectError";
}

/** Splits "CN=a, O=b" into attributes (commas inside quotes or escaped with \ stay). */
export function parseSubject(subject: string): [string, string][] {
  const parts: string[] = [];
  let cur = "",
    quoted = false;
  for (let i = 0; i < subject.length; i++) {
    const c = subject[i]!;
    if (c === "\\" && i + 1 < subject.length) cur += subject[++i];
    else if (c === '"') quoted = !quoted;
    else if ((c === "," || c === ";") && !quoted) {
      parts.push(cur);
      cur = "";
    } else cur += c;
  }
  parts.push(cur);
  return parts.map((p) => {
    const eq = p.indexOf("=");
    const key = p.slice(0, eq).trim().toUpperCase();
    const val = p.slice(eq + 1).trim();
    if (eq <= 0 || !val || !NAME_ATTRS.has(key)) throw new SubjectError(`The subject name '${subject}' is not valid.`);
    return [key, val] as [string, string];
  });
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/** A DER Name from a subject string; the string lists the most specific part first (RFC 4514), DER the reverse. */
export function encodeName(subject: string): Uint8Array {
  const rdns = parseSubject(subject).map(([k, v]) => {
    const id = NAME_ATTRS.get(k)!;
    const email = id === "1.2.840.113549.1.9.1" || id === "0.9.2342.19200300.100.1.25";
    const str = email ? der.ia5(v) : PRINTABLE.test(v) ? der.tlv(0x13, new TextEncoder().encode(v)) : der.utf8String(v);
    return der.set(der.seq(der.oid(id), str));
  });
  return der.seq(...rdns.reverse());
}

/** A DER Name as a subject string (RFC 4514 order, short names). */
export function decodeName(name: der.Node): string {
  const out: string[] = [];
  for (const rdn of der.expect(name, 0x30)) {
    for (const atv of der.expect(rdn, 0x31)) {
      const [id, v] = der.expect(atv, 0x30, 2);
      const label = NAME_LABELS.get(der.oidValue(id)) ?? der.oidValue(id);
      out.push(`${label}=${new TextDecoder().decode(v!.body)}`);
    }
  }
  return out.reverse().join(", ");
}

/** SubjectPublicKeyInfo of a key. */
export function spki(key: CertKey): Uint8Array {
  if (key.kind === "RSA") {
    const rsa = der.seq(der.uint(fromB64(key.jwk.n)!), der.uint(fromB64(key.jwk.e)!));
    return der.seq(der.seq(der.oid(OID.rsaEncryption), der.nul()), der.bitString(rsa));
  }
  const point = concat(new Uint8Array([4]), key.key.x, key.key.y);
  return der.seq(der.seq(der.oid(OID.ecPublicKey), der.oid(CURVE_OIDS[key.key.crv])), der.bitString(point));
}

/** The public key inside an SPKI, as comparable parts (RSA modulus and exponent, or EC curve and point). */
export interface PublicKeyInfo {
  kind: "RSA" | "EC";
  /** RSA: modulus bits; EC: 0. */
  bits: number;
  crv?: Curve;
  /** RSA: n then e; EC: the uncompressed point. A key matches when these bytes match. */
  fingerprint: Uint8Array;
}

/** Reads an SPKI (RSA or a supported EC curve); throws Asn1Error otherwise. */
export function readSpki(node: der.Node): PublicKeyInfo {
  const [alg, bits] = der.expect(node, 0x30, 2);
  const [id, param] = der.expect(alg, 0x30, 1);
  const key = der.value(bits, 0x03).subarray(1);
  const algorithm = der.oidValue(id);
  if (algorithm === OID.rsaEncryption) {
    const [n, e] = der.expect(der.parse(key), 0x30, 2);
    const nb = der.intBytes(n);
    return { kind: "RSA", bits: nb.length * 8 - Math.clz32(nb[0]!) + 24, fingerprint: concat(nb, new Uint8Array([0]), der.intBytes(e)) };
  }
  if (algorithm === OID.ecPublicKey) {
    const curveOid = der.oidValue(param);
    const crv = (Object.keys(CURVE_OIDS) as Curve[]).find((c) => CURVE_OIDS[c] === curveOid);
    if (!crv) throw new Asn1Error(`unsupported curve ${curveOid}`);
    return { kind: "EC", bits: 0, crv, fingerprint: key.slice() };
  }
  throw new Asn1Error(`unsupported key algorithm ${algorithm}`);
}

/** The comparable public parts of a private key (see PublicKeyInfo). */
export function publicOf(key: CertKey): PublicKeyInfo {
  return readSpki(der.parse(spki(key)));
}

/** PKCS#8 PrivateKeyInfo, unencrypted. */
export function pkcs8(key: CertKey): Uint8Array {
  if (key.kind === "RSA") {
    const j = key.jwk;
    const ints = [j.n, j.e, j.d, j.p, j.q, j.dp, j.dq, j.qi].map((x) => der.uint(fromB64(x)!));
    const rsa = der.seq(der.smallInt(0), ...ints);
    return der.seq(der.smallInt(0), der.seq(der.oid(OID.rsaEncryption), der.nul()), der.octets(rsa));
  }
  const k = key.key;
  const ec = der.seq(der.smallInt(1), der.octets(k.d), der.explicit(1, der.bitString(concat(new Uint8Array([4]), k.x, k.y))));
  return der.seq(der.smallInt(0), der.seq(der.oid(OID.ecPublicKey), der.oid(CURVE_OIDS[k.crv])), der.octets(ec));
}

/** Reads an unencrypted PKCS#8 key (RSA, or EC on a supported curve); throws Asn1Error otherwise. */
export async function readPkcs8(bytes: Uint8Array): Promise<CertKey> {
  const [, alg, inner] = der.expect(der.parse(bytes), 0x30, 3);
  const [id, param] = der.expect(alg, 0x30, 1);
  const body = der.value(inner, 0x04);
  const algorithm = der.oidValue(id);
  if (algorithm === OID.rsaEncryption) {
    const f = der
      .expect(der.parse(body), 0x30, 9)
      .slice(1, 9)
      .map((n) => der.intBytes(n));
    const names = ["n", "e", "d", "p", "q", "dp", "dq", "qi"] as const;
    const jwk: JsonWebKey = { kty: "RSA" };
    names.forEach((k, i) => (jwk[k] = b64url(f[i]!)));
    const parsed = rsaFromJwk(jwk);
    if (!parsed) throw new Asn1Error("the RSA private key is not consistent");
    const bits = parsed.n.toString(2).length;
    return { kind: "RSA", jwk: { ...rsaToJwk(parsed), n: b64url(f[0]!) }, bits };
  }
  if (algorithm === OID.ecPublicKey) {
    const curveOid = der.oidValue(param);
    const crv = (Object.keys(CURVE_OIDS) as Curve[]).find((c) => CURVE_OIDS[c] === curveOid);
    if (!crv) throw new Asn1Error(`unsupported curve ${curveOid}`);
    const [, d] = der.expect(der.parse(body), 0x30, 2);
    const key = await ecFromJwk({ kty: "EC", crv, d: b64url(der.value(d, 0x04)) });
    if (!key) throw new Asn1Error("the EC private key is not valid");
    return { kind: "EC", key };
  }
  throw new Asn1Error(`unsupported key algorithm ${algorithm}`);
}

/** Signs `tbs` as a certificate or CSR is signed; returns [AlgorithmIdentifier, signature BIT STRING]. */
async function signDer(key: CertKey, tbs: Uint8Array): Promise<[Uint8Array, Uint8Array]> {
  if (key.kind === "RSA") {
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", buf(tbs)));
    const sig = signPkcs1(rsaFromJwk(key.jwk)!, "SHA-256", digest);
    return [der.seq(der.oid(OID.sha256WithRSA), der.nul()), der.bitString(sig)];
  }
  const { oid, hash } = ECDSA[key.key.crv];
  const digest = new Uint8Array(await crypto.subtle.digest(hash, buf(tbs)));
  const raw = await ecSign(key.key, digest.subarray(0, CURVES[key.key.crv].digest));
  const half = raw.length / 2;
  return [der.seq(der.oid(oid)), der.bitString(der.seq(der.uint(raw.subarray(0, half)), der.uint(raw.subarray(half))))];
}

/** What goes into an issued certificate or CSR. */
export interface CertRequest {
  subject: string;
  dnsNames?: string[];
  emails?: string[];
  upns?: string[];
  keyUsage?: string[];
  ekus?: string[];
}

function extensions(req: CertRequest, keyId: Uint8Array | undefined): Uint8Array[] {
  const ext = (id: string, critical: boolean, v: Uint8Array) => der.seq(der.oid(id), ...(critical ? [der.bool(true)] : []), der.octets(v));
  const out: Uint8Array[] = [];
  if (req.keyUsage?.length) {
    let bits = 0;
    for (const u of req.keyUsage) bits |= 1 << (15 - KEY_USAGES.indexOf(u as (typeof KEY_USAGES)[number]));
    const bytes = bits & 0xff ? new Uint8Array([bits >> 8, bits & 0xff]) : new Uint8Array([bits >> 8]);
    let unused = 0;
    while (unused < 8 && !(bytes[bytes.length - 1]! & (1 << unused))) unused++;
    out.push(ext(OID.keyUsage, true, der.bitString(bytes, unused === 8 ? 0 : unused)));
  }
  out.push(ext(OID.basicConstraints, false, der.seq()));
  if (req.ekus?.length) out.push(ext(OID.extKeyUsage, false, der.seq(...req.ekus.map((e) => der.oid(e)))));
  const sans = [
    ...(req.emails ?? []).map((e) => der.tlv(0x81, new TextEncoder().encode(e))),
    ...(req.dnsNames ?? []).map((d) => der.tlv(0x82, new TextEncoder().encode(d))),
    ...(req.upns ?? []).map((u) => der.tlv(0xa0, concat(der.oid(OID.upn), der.explicit(0, der.utf8String(u))))),
  ];
  if (sans.length) out.push(ext(OID.subjectAltName, false, der.seq(...sans)));
  if (keyId) {
    // Self-signed: the authority key is the subject key.
    out.push(ext(OID.authorityKeyId, false, der.seq(der.tlv(0x80, keyId))));
    out.push(ext(OID.subjectKeyId, false, der.octets(keyId)));
  }
  return out;
}

/** A self-signed certificate (DER) for `key`, valid from `nbf` to `exp` (unix seconds). */
export async function selfSignedCertificate(key: CertKey, req: CertRequest, nbf: number, exp: number): Promise<Uint8Array> {
  const pub = spki(key);
  const keyBits = der.value(der.expect(der.parse(pub), 0x30, 2)[1], 0x03).subarray(1);
  const keyId = new Uint8Array(await crypto.subtle.digest("SHA-1", buf(keyBits)));
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  const name = encodeName(req.subject);
  const [alg] = await signDer(key, new Uint8Array());
  const tbs = der.seq(
    der.explicit(0, der.smallInt(2)),
    der.uint(serial),
    alg,
    name,
    der.seq(der.time(nbf), der.time(exp)),
    name,
    pub,
    der.explicit(3, der.seq(...extensions(req, keyId))),
  );
  const [sigAlg, sig] = await signDer(key, tbs);
  return der.seq(tbs, sigAlg, sig);
}

/** A PKCS#10 certification request (DER) for `key`, asking for the policy's extensions. */
export async function certificationRequest(key: CertKey, req: CertRequest): Promise<Uint8Array> {
  const pub = spki(key);
  const attrs = der.explicit(0, der.seq(der.oid(OID.extensionRequest), der.set(der.seq(...extensions(req, undefined)))));
  const info = der.seq(der.smallInt(0), encodeName(req.subject), pub, attrs);
  const [sigAlg, sig] = await signDer(key, info);
  return der.seq(info, sigAlg, sig);
}

/** What the emulator reads from a certificate. */
export interface ParsedCertificate {
  der: Uint8Array;
  serial: Uint8Array;
  subject: string;
  issuer: string;
  nbf: number;
  exp: number;
  publicKey: PublicKeyInfo;
  keyUsage: string[];
  ekus: string[];
  dnsNames: string[];
  emails: string[];
  upns: string[];
}

/** Parses a DER certificate; throws Asn1Error when it is not one. */
export function readCertificate(bytes: Uint8Array): ParsedCertificate {
  const [tbsNode] = der.expect(der.parse(bytes), 0x30, 3);
  const tbs = der.expect(tbsNode, 0x30, 6);
  const at = tbs[0]!.tag === 0xa0 ? 1 : 0;
  const [serial, , issuer, validity, subject, spkiNode, ...rest] = tbs.slice(at);
  const [nb, na] = der.expect(validity, 0x30, 2);
  const out: ParsedCertificate = {
    der: bytes.slice(),
    serial: der.intBytes(serial),
    subject: decodeName(subject!),
    issuer: decodeName(issuer!),
    nbf: der.timeValue(nb),
    exp: der.timeValue(na),
    publicKey: readSpki(spkiNode!),
    keyUsage: [],
    ekus: [],
    dnsNames: [],
    emails: [],
    upns: [],
  };
  const exts = rest.find((n) => n.tag === 0xa3);
  if (!exts) return out;
  const [list] = der.expect(exts, 0xa3, 1);
  for (const e of der.expect(list, 0x30)) {
    const parts = der.expect(e, 0x30, 2);
    const id = der.oidValue(parts[0]);
    const inner = der.parse(der.value(parts[parts.length - 1], 0x04));
    if (id === OID.keyUsage) {
      const b = der.value(inner, 0x03).subarray(1);
      KEY_USAGES.forEach((u, i) => {
        if ((b[i >> 3] ?? 0) & (0x80 >> (i & 7))) out.keyUsage.push(u);
      });
    } else if (id === OID.extKeyUsage) {
      out.ekus = der.expect(inner, 0x30).map((n) => der.oidValue(n));
    } else if (id === OID.subjectAltName) {
      for (const g of der.expect(inner, 0x30)) {
        const text = new TextDecoder().decode(g.body);
        if (g.tag === 0x82) out.dnsNames.push(text);
        else if (g.tag === 0x81) out.emails.push(text);
        else if (g.tag === 0xa0) {
          const [otherId, v] = der.children(g);
          if (der.oidValue(otherId) === OID.upn && v) out.upns.push(new TextDecoder().decode(der.children(v)[0]!.body));
        }
      }
    }
  }
  return out;
}

/** The serial number as Key Vault would print it: upper-case hex. */
export const serialHex = (serial: Uint8Array): string =>
  Array.from(serial, (x) => x.toString(16).padStart(2, "0"))
    .join("")
    .toUpperCase();

/** PEM text of DER bytes. */
export function pem(label: string, bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return `-----BEGIN ${label}-----\n${btoa(bin).replace(/.{1,64}/g, "$&\n")}-----END ${label}-----\n`;
}

/** Every PEM block in a text, in order: [label, DER]. */
export function pemBlocks(text: string): [string, Uint8Array][] {
  const out: [string, Uint8Array][] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const bytes = fromB64(m[2]!.replace(/\s+/g, ""));
    if (!bytes) throw new Asn1Error(`bad base64 in the PEM ${m[1]} block`);
    out.push([m[1]!, bytes]);
  }
  return out;
}

/** Whether two public keys are the same key. */
export function sameKey(a: PublicKeyInfo, b: PublicKeyInfo): boolean {
  return (
    a.kind === b.kind &&
    a.crv === b.crv &&
    a.fingerprint.length === b.fingerprint.length &&
    a.fingerprint.every((x, i) => x === b.fingerprint[i])
  );
}
