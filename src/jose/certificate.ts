// JWTs signed by a certificate's key in the vault, naming the certificate: `x5t#S256` always,
// `x5c` on request. The certificate's current version is read by name (one GET), its key signs.
import type { KeyVaultClient } from "../client.js";
import { base64Encode } from "../encoding.js";
import { checkClient, describe, invalid, optionsOf } from "../input.js";
import { checkName } from "../certificates/ids.js";
import { certificateSigner } from "../certificates/signer.js";
import { ecAlgorithm, jwsSpec, type JwsAlgorithm } from "./algorithms.js";
import { signJwt } from "./jws.js";

/**
 * Options of {@link signJwtWithCertificate}.
 * @example
 * const now = Math.floor(Date.now() / 1000);
 * const options: SignJwtWithCertificateOptions = { payload: { sub: "svc", iat: now, exp: now + 300 }, x5c: true };
 * const token = await signJwtWithCertificate(client, "signing-cert", options);
 */
export interface SignJwtWithCertificateOptions {
  /** Default: `RS256` for an RSA certificate, `ES256`/`ES384`/`ES512` by an EC certificate's curve. */
  alg?: JwsAlgorithm;
  /** The claims, as they are (set `iat` and `exp` yourself). */
  payload: Record<string, unknown>;
  /** Extra protected header members. */
  header?: Record<string, unknown>;
  /** Put the certificate in the `x5c` header (the leaf, base64 DER). Default false. */
  x5c?: boolean;
  signal?: AbortSignal;
}

/**
 * Signs a JWT with a certificate's key in the vault (the private key never leaves it): the
 * certificate's current version, named by `x5t#S256` in the header (and `x5c` on request), `kid`
 * the exact key version. A verifier that trusts the certificate checks it with the certificate's public key.
 * @example
 * const now = Math.floor(Date.now() / 1000);
 * const token = await signJwtWithCertificate(client, "signing-cert", { payload: { iss: "svc", iat: now, exp: now + 300 }, x5c: true });
 */
export async function signJwtWithCertificate(
  client: KeyVaultClient,
  certificate: string,
  options: SignJwtWithCertificateOptions,
): Promise<string> {
  checkClient(client, "signJwtWithCertificate");
  checkName(certificate);
  if (!options || typeof options !== "object")
    throw invalid(`signJwtWithCertificate(client, certificate, { payload }) needs its options; got ${describe(options)}`);
  optionsOf(options, "signJwtWithCertificate");
  if (options.alg !== undefined && !jwsSpec(options.alg)) throw invalid(`unsupported JWS algorithm ${JSON.stringify(options.alg)}`);
  if (options.x5c !== undefined && typeof options.x5c !== "boolean") throw invalid(`x5c must be a boolean; got ${describe(options.x5c)}`);
  if (!options.payload || typeof options.payload !== "object" || Array.isArray(options.payload))
    throw invalid(`a JWT payload must be an object of claims; got ${describe(options.payload)}`);
  const signer = await certificateSigner(client, certificate, options.signal);
  const alg = options.alg ?? (signer.kty === "RSA" ? "RS256" : ecAlgorithm(signer.crv));
  const spec = alg && jwsSpec(alg);
  if (!alg || !spec || spec.kty !== signer.kty || (spec.crv && spec.crv !== signer.crv))
    throw invalid(
      `${alg ?? "no JWS algorithm"} cannot be made with certificate ${certificate}'s ${signer.kty}${signer.crv ? ` ${signer.crv}` : ""} key`,
    );
  const header: Record<string, unknown> = { ...options.header, "x5t#S256": signer.x5tS256 };
  if (options.x5c) header.x5c = [base64Encode(signer.cer)];
  return signJwt(client, signer.kid, { alg, payload: options.payload, header, ...(options.signal ? { signal: options.signal } : {}) });
}
