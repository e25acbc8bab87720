// An app registration's certificate kept in Key Vault: the client assertion is signed by the
// certificate's key in the vault (the key never leaves it). The certificate's thumbprint, chain
// and key version are cached for a while, then read again, so a renewed version is followed.
import type { KeyVaultClient } from "../client.js";
import { base64Encode, base64UrlEncode, utf8Encode } from "../encoding.js";
import { KeyVaultClientError } from "../errors.js";
import { checkClient, checkType, describe, invalid } from "../input.js";
import { checkName } from "../certificates/ids.js";
import { certificateSigner, signInVault, type CertificateSigner } from "../certificates/signer.js";
import type { AccessToken, TokenRequest } from "../token.js";
import { appAuthority, appTokenProvider, type AppProviderOptions } from "./authority.js";
import { assertionCredential, assertionSigningInput } from "./client-assertion.js";

/**
 * Options of {@link fromKeyVaultCertificate}.
 * @example
 * const options: KeyVaultCertificateOptions = { tenantId, clientId, client, certificate: "app-credential", sendCertificateChain: true };
 * const getToken = fromKeyVaultCertificate(options);
 */
export interface KeyVaultCertificateOptions extends AppProviderOptions {
  /** The client of the vault that holds the certificate (its own token provider: a managed identity, say). */
  client: KeyVaultClient;
  /** The certificate's name in that vault (RSA: Entra takes RS256 and PS256 assertions). */
  certificate: string;
  /** Assertion signature: `PS256` (default) or `RS256`. */
  algorithm?: "PS256" | "RS256";
  /** Send the certificate in `x5c` (for subject name / issuer authentication). Default false. */
  sendCertificateChain?: boolean;
  /** Assertion lifetime in seconds (default 600). */
  assertionLifetimeSeconds?: number;
  /** How long the certificate's thumbprint and key version are reused before it is read again (default 600 000 ms: a renewal is followed within 10 minutes). */
  certificateRefreshMs?: number;
}

/**
 * A token provider for an app registration whose certificate is in Key Vault. Each token request
 * signs a fresh client assertion with the certificate's key in the vault (`POST /keys/…/sign`), so
 * a non-exportable key works and never leaves the vault. The header names the certificate by
 * `x5t#S256` (and `x5t`); the certificate is read again after `certificateRefreshMs`.
 * @example
 * import { fromManagedIdentity } from "keyvault-fetch/entra";
 * const vault = new KeyVaultClient(env.KEYVAULT_URL, { getToken: fromManagedIdentity() });
 * const graphToken = fromKeyVaultCertificate({ tenantId, clientId, client: vault, certificate: "app-credential" });
 * const { token } = await graphToken({ scopes: ["https://graph.microsoft.com/.default"] });
 */
export function fromKeyVaultCertificate(options: KeyVaultCertificateOptions): (request: TokenRequest) => Promise<AccessToken> {
  const authority = appAuthority(options, "fromKeyVaultCertificate");
  checkClient(options.client, "fromKeyVaultCertificate");
  checkName(options.certificate);
  checkType(options.sendCertificateChain, "boolean", "fromKeyVaultCertificate: sendCertificateChain");
  const alg = options.algorithm ?? "PS256";
  if (alg !== "PS256" && alg !== "RS256") throw invalid(`fromKeyVaultCertificate: algorithm must be PS256 or RS256; got ${describe(alg)}`);
  const life = options.assertionLifetimeSeconds ?? 600;
  if (!(typeof life === "number" && life > 0 && life <= 3600))
    throw invalid(`fromKeyVaultCertificate: assertionLifetimeSeconds must be a number of seconds from 1 to 3600; got ${describe(life)}`);
  const refreshMs = options.certificateRefreshMs ?? 600_000;
  if (!(typeof refreshMs === "number" && refreshMs >= 0))
    throw invalid(`fromKeyVaultCertificate: certificateRefreshMs must be a number of milliseconds; got ${describe(refreshMs)}`);
  const { client, certificate } = options;

  // Resolved values only (never a shared promise): what the certificate's newest version said, and when.
  let cached: { signer: CertificateSigner; header: string; at: number } | undefined;
  const current = async (signal?: AbortSignal) => {
    if (cached && Date.now() - cached.at < refreshMs) return cached;
    const signer = await certificateSigner(client, certificate, signal);
    if (signer.kty !== "RSA")
      throw new KeyVaultClientError(
        "ERR_UNSUPPORTED",
        `certificate ${certificate} has an ${signer.kty} key; Entra takes RSA (RS256, PS256) assertions`,
      );
    const header: Record<string, unknown> = {
      alg,
      typ: "JWT",
      kid: signer.kid,
      "x5t#S256": signer.x5tS256,
      x5t: base64UrlEncode(new Uint8Array(await crypto.subtle.digest("SHA-1", signer.cer))),
    };
    if (options.sendCertificateChain) header.x5c = [base64Encode(signer.cer)];
    return (cached = { signer, header: base64UrlEncode(utf8Encode(JSON.stringify(header))), at: Date.now() });
  };

  return appTokenProvider(authority, async (endpoint, _tenantId, signal) => {
    const { signer, header } = await current(signal);
    const input = assertionSigningInput(header, endpoint, authority.clientId, life);
    return assertionCredential(`${input}.${await signInVault(client, signer.kid, alg, input, signal)}`);
  });
}
