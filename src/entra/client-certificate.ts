// Client certificate: a client assertion JWT (RFC 7523) signed with the certificate's private key
// by Web Crypto, naming the certificate by its SHA-256 thumbprint (x5t#S256).
import { base64Encode, base64UrlEncode, utf8Encode } from "../encoding.js";
import { KeyVaultClientError } from "../errors.js";
import type { AccessToken, TokenRequest } from "../token.js";
import { appAuthority, appTokenProvider, type AppProviderOptions } from "./authority.js";
import { assertionCredential, assertionSigningInput } from "./client-assertion.js";
import { certificateParts } from "./pem.js";
import { checkType, describe } from "../input.js";
import type { CryptoKeyLike } from "../web-types.js";

/**
 * Options of {@link fromClientCertificate}.
 * @example
 * const options: ClientCertificateOptions = { tenantId, clientId, certificate: env.CERT_PEM, privateKey: env.KEY_PEM, sendCertificateChain: true };
 * const getToken = fromClientCertificate(options);
 */
export interface ClientCertificateOptions extends AppProviderOptions {
  /** PEM text with the certificate (leaf first; chain optional), and the private key unless given apart. */
  certificate: string;
  /** The unencrypted PKCS #8 private key (`-----BEGIN PRIVATE KEY-----`), or a Web Crypto RSA signing key. */
  privateKey?: string | CryptoKeyLike;
  /** Assertion signature: `PS256` (default, what MSAL uses with x5t#S256) or `RS256`. */
  algorithm?: "PS256" | "RS256";
  /** Send the chain in `x5c` (for subject name / issuer authentication). Default false. */
  sendCertificateChain?: boolean;
  /** Assertion lifetime in seconds (default 600). */
  assertionLifetimeSeconds?: number;
}

/**
 * A token provider for an app registration with a certificate. Each token request carries a
 * fresh client assertion (aud = the token endpoint, iss = sub = client id, jti, nbf, exp)
 * signed with the certificate's key; the header names the certificate by `x5t#S256`.
 * @example
 * const getToken = fromClientCertificate({ tenantId, clientId, certificate: env.CERT_PEM, privateKey: env.KEY_PEM });
 */
export function fromClientCertificate(options: ClientCertificateOptions): (request: TokenRequest) => Promise<AccessToken> {
  const authority = appAuthority(options, "fromClientCertificate");
  if (typeof options.certificate !== "string")
    throw new KeyVaultClientError(
      "ERR_INVALID_INPUT",
      `fromClientCertificate: certificate must be PEM text (a string); got ${describe(options.certificate)}`,
    );
  const pk = options.privateKey;
  if (pk !== undefined && typeof pk !== "string" && !(typeof CryptoKey === "function" && pk instanceof CryptoKey)) {
    throw new KeyVaultClientError(
      "ERR_INVALID_INPUT",
      `fromClientCertificate: privateKey must be PEM text or a CryptoKey; got ${describe(pk)}`,
    );
  }
  checkType(options.sendCertificateChain, "boolean", "fromClientCertificate: sendCertificateChain");
  const life = options.assertionLifetimeSeconds;
  if (life !== undefined && !(typeof life === "number" && life > 0 && life <= 3600))
    throw new KeyVaultClientError(
      "ERR_INVALID_INPUT",
      `fromClientCertificate: assertionLifetimeSeconds must be a number of seconds from 1 to 3600; got ${describe(life)}`,
    );
  const alg = options.algorithm ?? "PS256";
  if (alg !== "PS256" && alg !== "RS256")
    throw new KeyVaultClientError("ERR_INVALID_INPUT", `fromClientCertificate: algorithm must be PS256 or RS256 (got ${String(alg)})`);
  const parts = certificateParts(options.certificate, typeof options.privateKey === "string" ? options.privateKey : undefined);
  const leaf = parts.chain[0];
  if (!leaf) throw new KeyVaultClientError("ERR_INVALID_INPUT", "fromClientCertificate: no -----BEGIN CERTIFICATE----- block found");
  const givenKey = typeof options.privateKey === "object" ? (options.privateKey as CryptoKey) : undefined; // the caller's Web Crypto key
  if (!givenKey && !parts.pkcs8)
    throw new KeyVaultClientError("ERR_INVALID_INPUT", "fromClientCertificate: no -----BEGIN PRIVATE KEY----- block found");
  const lifetime = options.assertionLifetimeSeconds ?? 600;
  const x5c = options.sendCertificateChain ? parts.chain.map(base64Encode) : undefined;

  // Resolved values only: the key and thumbprints are made once, by whichever request comes first.
  let prepared: { key: CryptoKey; header: string } | undefined;
  const prepare = async () => {
    if (prepared) return prepared;
    const key = givenKey ?? (await importSigningKey(parts.pkcs8!, alg));
    const header: Record<string, unknown> = {
      alg,
      typ: "JWT",
      "x5t#S256": base64UrlEncode(new Uint8Array(await crypto.subtle.digest("SHA-256", leaf))),
      // SHA-1 thumbprint too: older authorities (and AD FS) look for x5t.
      x5t: base64UrlEncode(new Uint8Array(await crypto.subtle.digest("SHA-1", leaf))),
    };
    if (x5c) header.x5c = x5c;
    return (prepared = { key, header: base64UrlEncode(utf8Encode(JSON.stringify(header))) });
  };

  return appTokenProvider(authority, async (endpoint) => {
    const { key, header } = await prepare();
    const input = assertionSigningInput(header, endpoint, authority.clientId, lifetime);
    const params = alg === "PS256" ? { name: "RSA-PSS", saltLength: 32 } : { name: "RSASSA-PKCS1-v1_5" };
    const signature = new Uint8Array(await crypto.subtle.sign(params, key, utf8Encode(input)));
    return assertionCredential(`${input}.${base64UrlEncode(signature)}`);
  });
}

async function importSigningKey(pkcs8: Uint8Array<ArrayBuffer>, alg: "PS256" | "RS256"): Promise<CryptoKey> {
  const algorithm = { name: alg === "PS256" ? "RSA-PSS" : "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  try {
    return await crypto.subtle.importKey("pkcs8", pkcs8, algorithm, false, ["sign"]);
  } catch (cause) {
    throw new KeyVaultClientError(
      "ERR_INVALID_INPUT",
      "fromClientCertificate: the private key is not an RSA PKCS #8 key this runtime can import",
      { cause },
    );
  }
}
