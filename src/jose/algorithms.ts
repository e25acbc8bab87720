// The JWS algorithms a vault key can sign with: hash, signature size, and the key they need.

/**
 * JWS algorithms Key Vault signs with (ES256K is RFC 8812; not every verifier accepts it).
 * @example
 * const alg: JwsAlgorithm = "ES384";
 * const token = await signJwt(client, "p384-signer", { alg, payload: { sub: "alice", exp } });
 */
export type JwsAlgorithm = "ES256" | "ES384" | "ES512" | "ES256K" | "RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512";

interface JwsSpec {
  hash: "SHA-256" | "SHA-384" | "SHA-512";
  kty: "EC" | "RSA";
  crv?: string;
  signatureBytes?: number;
}

const SPECS: Record<JwsAlgorithm, JwsSpec> = {
  ES256: { hash: "SHA-256", kty: "EC", crv: "P-256", signatureBytes: 64 },
  ES384: { hash: "SHA-384", kty: "EC", crv: "P-384", signatureBytes: 96 },
  ES512: { hash: "SHA-512", kty: "EC", crv: "P-521", signatureBytes: 132 },
  ES256K: { hash: "SHA-256", kty: "EC", crv: "P-256K", signatureBytes: 64 },
  RS256: { hash: "SHA-256", kty: "RSA" },
  RS384: { hash: "SHA-384", kty: "RSA" },
  RS512: { hash: "SHA-512", kty: "RSA" },
  PS256: { hash: "SHA-256", kty: "RSA" },
  PS384: { hash: "SHA-384", kty: "RSA" },
  PS512: { hash: "SHA-512", kty: "RSA" },
};

/** The spec of a JWS algorithm, or undefined when Key Vault cannot sign with it. */
export function jwsSpec(alg: string): JwsSpec | undefined {
  return Object.prototype.hasOwnProperty.call(SPECS, alg) ? SPECS[alg as JwsAlgorithm] : undefined;
}

/** The JWS algorithm an EC key's curve implies (P-256 → ES256, ...). */
export function ecAlgorithm(crv: string | undefined): JwsAlgorithm | undefined {
  return (Object.keys(SPECS) as JwsAlgorithm[]).find((a) => SPECS[a].crv === crv);
}
