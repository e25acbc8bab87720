// Workload identity federation: an app trusts tokens an external issuer (GitHub Actions,
// Kubernetes, another cloud) signs for one subject, and accepts them as client assertions.
// The emulator cannot fetch the issuer's OIDC metadata, so each credential carries its keys.
import { verifyJwt, type DecodedJwt } from "./jwt.js";
import { inputError } from "../errors.js";
import type { JwkInput } from "../jwk.js";

/** The audience Entra suggests for federated tokens. */
export const TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";

/**
 * A federated identity credential on an app registration. `issuer`, `subject` and audiences
 * match exactly (case-sensitive), as Entra matches them.
 * @example
 * const { publicKey } = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
 * const credential: FederatedCredential = {
 *   issuer: "https://token.actions.githubusercontent.com", subject: "repo:octo/app:ref:refs/heads/main",
 *   publicKeyJwk: await crypto.subtle.exportKey("jwk", publicKey),
 * };
 * emu.registerClient({ clientId: "ci-app", federatedCredentials: [credential] });
 */
export interface FederatedCredential {
  /** The external issuer, exactly as the token's `iss` says it. */
  issuer: string;
  /** The subject, exactly as the token's `sub` says it. */
  subject: string;
  /** Accepted `aud` values (default `["api://AzureADTokenExchange"]`). */
  audiences?: string[];
  /** The issuer's JWKS document (what its `jwks_uri` serves). */
  jwks?: { keys: JwkInput[] };
  /** Or the issuer's public key(s) as JWKs (RSA, or EC P-256/P-384/P-521). */
  publicKeyJwk?: JwkInput | JwkInput[];
}

/** A stored, normalised federated credential. */
export interface StoredFederatedCredential {
  issuer: string;
  subject: string;
  audiences: string[];
  keys: JsonWebKey[];
}

/** Validates and normalises a federated credential (TypeError when unusable). */
export function storeFederatedCredential(c: FederatedCredential): StoredFederatedCredential {
  if (!c || typeof c.issuer !== "string" || !c.issuer || typeof c.subject !== "string" || !c.subject) {
    throw inputError("federatedCredentials: each needs a non-empty issuer and subject");
  }
  const keys = [
    ...(c.jwks?.keys ?? []),
    ...(c.publicKeyJwk === undefined ? [] : Array.isArray(c.publicKeyJwk) ? c.publicKeyJwk : [c.publicKeyJwk]),
  ];
  if (keys.length === 0) throw inputError(`federatedCredentials: give the keys of ${c.issuer} (jwks or publicKeyJwk)`);
  for (const k of keys) {
    const rsa = k.kty === "RSA" && k.n && k.e,
      ec = k.kty === "EC" && k.crv && k.x && k.y;
    if (!rsa && !ec) throw inputError("federatedCredentials: keys must be RSA or EC public JWKs");
    if ("d" in k) throw inputError("federatedCredentials: give public keys only");
  }
  const audiences = c.audiences ?? [TOKEN_EXCHANGE_AUDIENCE];
  if (!Array.isArray(audiences) || audiences.length === 0 || audiences.some((a) => typeof a !== "string" || !a)) {
    throw inputError("federatedCredentials: audiences must be non-empty strings");
  }
  return { issuer: c.issuer, subject: c.subject, audiences: [...audiences], keys: keys.map((k) => ({ ...k })) };
}

/** Why a federated assertion was refused: Entra's status, error, AADSTS code and description. */
export interface FederationProblem {
  status: number;
  error: string;
  code: number;
  description: string;
}

/**
 * Checks a federated assertion against an app's credentials: a credential for its iss/sub, an
 * accepted audience, a signature by one of the credential's keys, then its lifetime.
 */
export async function checkFederatedAssertion(
  jwt: DecodedJwt,
  credentials: readonly StoredFederatedCredential[],
  nowSeconds: number,
  skewSeconds: number,
): Promise<FederationProblem | undefined> {
  const c = jwt.payload;
  const auds = (Array.isArray(c.aud) ? c.aud : [c.aud]).filter((a) => a !== undefined).map(String);
  const match = credentials.filter((f) => f.issuer === c.iss && f.subject === c.sub);
  if (match.length === 0) {
    if (credentials.length === 0)
      return {
        status: 400,
        error: "invalid_request",
        code: 70025,
        description: "The client application has no configured federated identity credentials.",
      };
    return {
      status: 400,
      error: "invalid_request",
      code: 70021,
      description: `No matching federated identity record found for presented assertion. Assertion Issuer: '${String(c.iss)}'. Assertion Subject: '${String(c.sub)}'. Assertion Audience: '${auds.join(",")}'.`,
    };
  }
  const trusted = match.filter((f) => auds.some((a) => f.audiences.includes(a)));
  if (trusted.length === 0) {
    return {
      status: 400,
      error: "invalid_request",
      code: 700212,
      description: `No matching federated identity record found for presented assertion audience '${auds.join(",")}'.`,
    };
  }
  // A kid in the header picks the key, as a JWKS lookup would; without one every key is tried.
  const kid = typeof jwt.header.kid === "string" ? jwt.header.kid : undefined;
  const keys = trusted
    .flatMap((f) => f.keys)
    .filter((k) => kid === undefined || (k as { kid?: string }).kid === undefined || (k as { kid?: string }).kid === kid);
  if (keys.length === 0) return signatureProblem("The key was not found.");
  let verified = false;
  for (const k of keys)
    if (await verifyJwt(jwt, k)) {
      verified = true;
      break;
    }
  if (!verified) return signatureProblem("The provided signature value did not match the expected signature value.");
  if (typeof c.exp !== "number" || c.exp + skewSeconds <= nowSeconds || (typeof c.nbf === "number" && c.nbf - skewSeconds > nowSeconds)) {
    const iso = (s: unknown) => (typeof s === "number" ? new Date(s * 1000).toISOString() : "(none)");
    return {
      status: 400,
      error: "invalid_client",
      code: 700024,
      description: `Client assertion is not within its valid time range. Current time: ${iso(nowSeconds)}, assertion valid from ${iso(c.nbf ?? c.iat)}, expiry time of assertion ${iso(c.exp)}.`,
    };
  }
  return undefined;
}

function signatureProblem(reason: string): FederationProblem {
  return { status: 401, error: "invalid_client", code: 50013, description: `Assertion failed signature validation. [Reason - ${reason}]` };
}
