// A self-signed X.509 certificate for the emulator's HTTPS server, made with Web Crypto:
// an ECDSA P-256 key, a minimal DER encoder, and the handful of extensions TLS clients check
// (subjectAltName above all: modern clients ignore the common name).
import { buf } from "./bytes.js";
import {
  bitString,
  bool,
  explicit,
  octets as octetString,
  oid,
  seq as sequence,
  set,
  time,
  tlv as tagged,
  uint as integer,
  utf8String,
} from "./crypto/asn1.js";
import { pem } from "./crypto/x509.js";
import { inputError } from "./errors.js";

/**
 * A PEM certificate and its PEM (PKCS #8) private key, ready for a TLS server.
 * @example
 * const { cert, key, fingerprint256 }: SelfSignedCertificate = await createSelfSignedCertificate();
 * console.log(fingerprint256); // pin it, or trust cert
 */
export interface SelfSignedCertificate {
  /** `-----BEGIN CERTIFICATE-----` … the certificate, also what clients must trust */
  cert: string;
  /** `-----BEGIN PRIVATE KEY-----` … the unencrypted PKCS #8 key */
  key: string;
  /** SHA-256 of the DER certificate, upper-case hex with colons (as browsers show it) */
  fingerprint256: string;
}

/**
 * What to put in the certificate.
 * @example
 * const options: SelfSignedCertificateOptions = { dnsNames: ["localhost", "app.vault.localhost"], ipAddresses: ["127.0.0.1"], days: 30 };
 * const { cert, key } = await createSelfSignedCertificate(options);
 */
export interface SelfSignedCertificateOptions {
  /** DNS names for subjectAltName (default `["localhost"]`); the first is also the common name */
  dnsNames?: string[];
  /** IP addresses for subjectAltName, IPv4 dotted or IPv6 (default `["127.0.0.1", "::1"]`) */
  ipAddresses?: string[];
  /** validity in days from now (default 30); it starts one hour back to tolerate clock skew */
  days?: number;
}

/**
 * Makes a fresh self-signed TLS server certificate (ECDSA P-256 with SHA-256).
 *
 * @example
 * // PEM text, for any TLS server: Deno.serve here (on Node, the emulator's server uses it for you).
 * const { cert, key } = await createSelfSignedCertificate({ dnsNames: ["localhost", "kv.vault.localhost"] });
 * Deno.serve({ port: 8443, cert, key }, () => new Response("hello"));
 */
export async function createSelfSignedCertificate(options: SelfSignedCertificateOptions = {}): Promise<SelfSignedCertificate> {
  const dnsNames = options.dnsNames ?? ["localhost"];
  const ipAddresses = options.ipAddresses ?? ["127.0.0.1", "::1"];
  const days = options.days ?? 30;
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", pair.publicKey));
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));

  const serial = crypto.getRandomValues(new Uint8Array(16));
  serial[0] = (serial[0]! & 0x7f) | 0x40; // positive and exactly 16 bytes long
  const now = Date.now();
  const name = distinguishedName(dnsNames[0] ?? ipAddresses[0] ?? "keyvault-emulator");
  const ecdsaWithSha256 = sequence(oid("1.2.840.10045.4.3.2"));
  const keyId = new Uint8Array(await crypto.subtle.digest("SHA-1", spki)); // RFC 5280 §4.2.1.2 method 1 (near enough: whole SPKI)

  const extensions = [
    extension("2.5.29.19", true, sequence()), // basicConstraints: not a CA
    extension("2.5.29.15", true, bitString(new Uint8Array([0x80]), 7)), // keyUsage: digitalSignature
    extension("2.5.29.37", false, sequence(oid("1.3.6.1.5.5.7.3.1"))), // extKeyUsage: serverAuth
    extension("2.5.29.14", false, octetString(keyId)), // subjectKeyIdentifier
    extension(
      "2.5.29.17",
      false,
      sequence(
        // subjectAltName
        ...dnsNames.map((n) => tagged(0x82, ascii(n))),
        ...ipAddresses.map((ip) => tagged(0x87, ipBytes(ip))),
      ),
    ),
  ];
  const tbs = sequence(
    explicit(0, integer(new Uint8Array([2]))), // version 3
    integer(serial),
    ecdsaWithSha256,
    name,
    sequence(time(Math.floor(now / 1000) - 3600), time(Math.floor(now / 1000) + days * 86_400)),
    name,
    spki,
    explicit(3, sequence(...extensions)),
  );
  const raw = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, pair.privateKey, buf(tbs)));
  const half = raw.length / 2;
  const signature = sequence(integer(raw.subarray(0, half)), integer(raw.subarray(half)));
  const der = sequence(tbs, ecdsaWithSha256, bitString(signature));

  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", buf(der)));
  return {
    cert: pem("CERTIFICATE", der),
    key: pem("PRIVATE KEY", pkcs8),
    fingerprint256: Array.from(digest, (b) => b.toString(16).padStart(2, "0").toUpperCase()).join(":"),
  };
}

const ascii = (s: string) => new TextEncoder().encode(s);

function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return sequence(oid(id), ...(critical ? [bool(true)] : []), octetString(value));
}

function distinguishedName(commonName: string): Uint8Array {
  return sequence(
    set(sequence(oid("2.5.4.10"), utf8String("keyvault-fetch emulator"))), // O
    set(sequence(oid("2.5.4.3"), utf8String(commonName.slice(0, 64)))), // CN
  );
}

function ipBytes(ip: string): Uint8Array {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(ip) && ip.split(".").every((o) => Number(o) <= 255)) return new Uint8Array(ip.split(".").map(Number));
  const [head = "", tail] = ip.replace(/^\[|\]$/g, "").split("::");
  const groups = (s: string) => (s ? s.split(":").map((g) => parseInt(g, 16)) : []);
  const front = groups(head);
  const back = tail === undefined ? [] : groups(tail);
  const words = [...front, ...new Array(8 - front.length - back.length).fill(0), ...back];
  if (words.length !== 8 || words.some((w) => !(w >= 0 && w <= 0xffff))) throw inputError(`not an IP address: ${ip}`);
  return new Uint8Array(words.flatMap((w) => [w >> 8, w & 0xff]));
}
