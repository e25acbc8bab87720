// Our own shapes for the few Web platform types the declarations name that not every runtime's
// global types declare: @types/node has no global JsonWebKey, CryptoKey or HeadersInit, and a
// project without the DOM lib must still compile our .d.ts. Each shape accepts what the DOM,
// @cloudflare/workers-types, Deno and @types/node give, and what we return passes back to them
// (test/types/consumer.ts checks all four ways). Type-only module: it adds nothing to a bundle.

/**
 * A JSON Web Key (RFC 7517) with the members Web Crypto reads and writes; `kty` always present,
 * as in every key the vault returns (Workers' `crypto.subtle.importKey` requires it).
 * @example
 * import type { Jwk } from "keyvault-fetch";
 * const jwk: Jwk = (await getKey(client, "signer")).key;
 * const publicKey = await crypto.subtle.importKey("jwk", jwk, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
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
 * A JWK as callers may hand one in: every member optional, like the DOM's `JsonWebKey` that
 * `crypto.subtle.exportKey("jwk", ...)` resolves to (the functions that take it check it).
 * @example
 * import type { JwkInput } from "keyvault-fetch";
 * const { publicKey } = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
 * const jwk: JwkInput = await crypto.subtle.exportKey("jwk", publicKey);
 */
export type JwkInput = Partial<Jwk>;

/**
 * What the library needs of a Web Crypto `CryptoKey` it is given (the platform's own `CryptoKey`
 * fits in every runtime; Node's types declare none globally).
 * @example
 * import type { CryptoKeyLike } from "keyvault-fetch";
 * const key: CryptoKeyLike = await crypto.subtle.importKey("raw", crypto.getRandomValues(new Uint8Array(32)), "HKDF", false, ["deriveKey"]);
 */
export interface CryptoKeyLike {
  readonly type: string;
  readonly extractable: boolean;
  readonly algorithm: { readonly name: string };
  readonly usages: readonly string[];
}

/**
 * The runtime's own `CryptoKey` type where its global types declare one (Workers, Deno, browsers),
 * else {@link CryptoKeyLike} (`@types/node` declares no global `CryptoKey`: cast to `webcrypto.CryptoKey`).
 * @example
 * import type { WebCryptoKey } from "keyvault-fetch";
 * const key: WebCryptoKey = await crypto.subtle.importKey("raw", crypto.getRandomValues(new Uint8Array(32)), "HKDF", false, ["deriveKey"]);
 */
export type WebCryptoKey = typeof globalThis extends { CryptoKey: { prototype: infer K } } ? K : CryptoKeyLike;

/**
 * Headers as `fetch` takes them: a `Headers` object, a record, or name/value pairs.
 * @example
 * import type { HeadersInitLike } from "keyvault-fetch";
 * const headers: HeadersInitLike = { "x-app": "orders" };
 */
export type HeadersInitLike = Headers | Record<string, string> | [string, string][];
