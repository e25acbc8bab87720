// The JSON Web Key shapes the emulator's API takes and returns: its own, so the emulator needs
// nothing from the client library (and no DOM lib: @types/node declares no global JsonWebKey).
// Type-only module: it adds nothing to a bundle.

/**
 * A JSON Web Key (RFC 7517) as the emulator returns one: `kty` always present.
 * @example
 * import type { Jwk } from "@keyvault-fetch/emulator";
 * const [signing]: Jwk[] = await emulator.authorityKeys();
 */
export interface Jwk {
  kty: string;
  use?: string;
  key_ops?: string[];
  alg?: string;
  ext?: boolean;
  crv?: string;
  x?: string;
  y?: string;
  d?: string;
  n?: string;
  e?: string;
  p?: string;
  q?: string;
  dp?: string;
  dq?: string;
  qi?: string;
  oth?: { r?: string; d?: string; t?: string }[];
  k?: string;
}

/**
 * A JWK as callers hand one in: every member optional, like what
 * `crypto.subtle.exportKey("jwk", ...)` resolves to (the emulator checks what it needs).
 * @example
 * import type { JwkInput } from "@keyvault-fetch/emulator";
 * const { publicKey } = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
 * const jwk: JwkInput = await crypto.subtle.exportKey("jwk", publicKey);
 */
export type JwkInput = Partial<Jwk>;
