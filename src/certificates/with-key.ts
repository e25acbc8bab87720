// A certificate with its private key as Web Crypto keys, in one request: the certificate's secret
// read as PEM (the service converts a PFX on the way out), the key imported as PKCS #8.
import type { KeyVaultClient } from "../client.js";
import { base64Encode } from "../encoding.js";
import { parsePem } from "../entra/pem.js";
import { KeyVaultClientError } from "../errors.js";
import { answerObject, badAnswer, checkClient, checkType, invalid, optionsOf } from "../input.js";
import { request } from "../request.js";
import type { WebCryptoKey } from "../web-types.js";
import { certificateThumbprints, importAlgorithm, parseCertificate, type CertificateInfo, type SubjectAltNames } from "./der.js";
import { checkCertificateVersion, checkName } from "./ids.js";
import { signalOf } from "./operations.js";
import type { OperationOptions } from "./types.js";

/**
 * Options of {@link getCertificateWithKey}.
 * @example
 * const options: GetCertificateWithKeyOptions = { rsa: { name: "RSA-PSS", hash: "SHA-256" }, extractable: false };
 * const { privateKey } = await getCertificateWithKey(client, "api-tls", undefined, options);
 */
export interface GetCertificateWithKeyOptions extends OperationOptions {
  /** Make the private `CryptoKey` extractable (default false: it can sign, never be exported). */
  extractable?: boolean;
  /** How an RSA key is imported: RSASSA-PKCS1-v1_5 (default) or RSA-PSS, SHA-256 (default), -384 or -512. EC keys are ECDSA on their curve. */
  rsa?: { name?: "RSASSA-PKCS1-v1_5" | "RSA-PSS"; hash?: "SHA-256" | "SHA-384" | "SHA-512" };
}

/**
 * A certificate with its private key, ready for Web Crypto.
 * @example
 * const { privateKey, chain, notAfter, x5tS256 }: CertificateWithKey = await getCertificateWithKey(client, "api-tls");
 */
export interface CertificateWithKey {
  name: string;
  version: string;
  /** The leaf certificate, DER. */
  certificate: Uint8Array<ArrayBuffer>;
  /** The chain, DER, leaf first (as linked by subject and issuer; no chain validation is done). */
  chain: Uint8Array<ArrayBuffer>[];
  /** Signs (`crypto.subtle.sign`); extractable only when asked. */
  privateKey: WebCryptoKey;
  /** The leaf's public key, to verify. */
  publicKey: WebCryptoKey;
  pem: { certificate: string; chain: string; privateKey: string };
  subject: string;
  issuer: string;
  subjectAltNames: SubjectAltNames;
  notBefore: Date;
  notAfter: Date;
  /** base64url SHA-1 of the leaf (JOSE `x5t`). */
  x5t: string;
  /** base64url SHA-256 of the leaf (JOSE `x5t#S256`). */
  x5tS256: string;
  /** The certificate's key in the vault (`kid`), to sign there instead. */
  keyId?: string;
}

/**
 * PEM text of one DER block, in 64-character lines.
 * @example
 * const pem = toPem("CERTIFICATE", (await getCertificate(client, "api-tls")).cer);
 */
export function toPem(label: string, der: Uint8Array): string {
  const lines = base64Encode(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** @internal The certificates leaf first: each next one is the issuer of the one before (exact DER names). */
export function orderChain(certificates: CertificateInfo[]): CertificateInfo[] {
  const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
  const issues = (ca: CertificateInfo, c: CertificateInfo) => ca !== c && same(ca.subjectDer, c.issuerDer);
  // The leaf is the one that issued none of the others.
  const leaf = certificates.find((c) => !certificates.some((other) => issues(c, other))) ?? certificates[0];
  if (!leaf) return [];
  const ordered = [leaf];
  for (let at = leaf; ; ) {
    const next = certificates.find((c) => !ordered.includes(c) && issues(c, at));
    if (!next) break;
    ordered.push(next);
    at = next;
  }
  return [...ordered, ...certificates.filter((c) => !ordered.includes(c))];
}

/**
 * Reads a certificate and its private key in one request (`GET /secrets/{name}` as PEM, whatever
 * the policy's content type) and returns them ready to use: the private key as a non-extractable
 * Web Crypto signing key, the chain leaf first, names, validity and thumbprints. RSA and EC
 * P-256/384/521. Needs the secrets `get` permission and an exportable certificate; a
 * non-exportable one is `ERR_KEY_NOT_EXPORTABLE` (sign in the vault with its `keyId` instead).
 * The chain is not validated.
 * @example
 * const { privateKey, certificate, notAfter } = await getCertificateWithKey(client, "api-tls");
 * const signature = await crypto.subtle.sign({ name: "RSASSA-PKCS1-v1_5" }, privateKey, data);
 */
export async function getCertificateWithKey(
  client: KeyVaultClient,
  name: string,
  version?: string,
  options?: GetCertificateWithKeyOptions,
): Promise<CertificateWithKey> {
  checkClient(client, "getCertificateWithKey");
  checkName(name);
  checkCertificateVersion(version, "getCertificateWithKey");
  const o = optionsOf(options, "getCertificateWithKey");
  checkType(o.extractable, "boolean", "extractable");
  const rsa = o.rsa ?? {};
  if (!/^(RSASSA-PKCS1-v1_5|RSA-PSS)?$/.test(rsa.name ?? "") || !/^(SHA-(256|384|512))?$/.test(rsa.hash ?? ""))
    throw invalid("rsa must be { name: RSASSA-PKCS1-v1_5 or RSA-PSS, hash: SHA-256, SHA-384 or SHA-512 }");
  const address = { name, version: version ?? "" };
  const secret = answerObject<{ value?: unknown; id?: unknown; kid?: unknown }>(
    await request(client, "GET", `/secrets/${address.name}/${address.version}`, undefined, {
      ...signalOf(o),
      query: { outContentType: "application/x-pem-file" },
    }),
    "a secret",
  );
  if (typeof secret.value !== "string") throw badAnswer("(the certificate's secret) has no value");
  // The secret's text is key material: from here on nothing of it may reach an error message.
  let blocks: ReturnType<typeof parsePem>;
  try {
    blocks = parsePem(secret.value);
  } catch {
    throw badAnswer("(the certificate's secret) is not PEM");
  }
  const parsed = orderChain(blocks.filter((b) => b.label === "CERTIFICATE").map((b) => parseCertificate(b.der)));
  const leaf = parsed[0];
  if (!leaf) throw badAnswer("(the certificate's secret) holds no certificate: is it a certificate's secret?");
  const key = blocks.find((b) => b.label.endsWith("PRIVATE KEY"));
  if (!key)
    throw new KeyVaultClientError(
      "ERR_KEY_NOT_EXPORTABLE",
      `certificate ${address.name} has a non-exportable key (policy exportable: false): sign in the vault with its keyId (sign from keyvault-fetch/keys, signJwtWithCertificate from keyvault-fetch/jose), or create it with exportable: true`,
    );
  if (key.label !== "PRIVATE KEY")
    throw new KeyVaultClientError(
      "ERR_UNSUPPORTED",
      `the certificate's private key is a ${key.label} block, not PKCS #8: Web Crypto cannot import it`,
    );
  const algorithm = importAlgorithm(leaf.publicKey, rsa);
  let privateKey: CryptoKey, publicKey: CryptoKey;
  try {
    privateKey = await crypto.subtle.importKey("pkcs8", key.der, algorithm, o.extractable === true, ["sign"]);
    publicKey = await crypto.subtle.importKey("spki", leaf.spki, algorithm, true, ["verify"]);
  } catch {
    // No cause: the platform's message could describe the key.
    throw new KeyVaultClientError(
      "ERR_UNSUPPORTED",
      `this runtime could not import certificate ${address.name}'s private key as ${algorithm.name}`,
    );
  }
  const chain = parsed.map((c) => c.der);
  const { x5t, x5tS256 } = await certificateThumbprints(leaf.der);
  const id = typeof secret.id === "string" ? secret.id.split("/") : [];
  const result: CertificateWithKey = {
    name: address.name,
    version: id.length >= 6 ? id[5]! : address.version,
    certificate: leaf.der,
    chain,
    privateKey,
    publicKey,
    pem: {
      certificate: toPem("CERTIFICATE", leaf.der),
      chain: chain.map((c) => toPem("CERTIFICATE", c)).join(""),
      privateKey: toPem("PRIVATE KEY", key.der),
    },
    subject: leaf.subject,
    issuer: leaf.issuer,
    subjectAltNames: leaf.subjectAltNames,
    notBefore: leaf.notBefore,
    notAfter: leaf.notAfter,
    x5t,
    x5tS256,
  };
  if (typeof secret.kid === "string") result.keyId = secret.kid;
  return result;
}
