/**
 * keyvault-fetch/jose: JOSE with vault keys, on Web Crypto alone. JWTs and compact JWS signed in
 * the vault (the private key never leaves it), the JWKS of a key's versions for relying parties,
 * and envelope encryption as compact JWE (encrypt locally, decrypt with one unwrapKey). What it
 * makes, the `jose` library verifies and decrypts; what `jose` encrypts to a vault key, it opens.
 * @module keyvault-fetch/jose
 * @example
 * import { signJwt, getJwks } from "keyvault-fetch/jose";
 * const token = await signJwt(client, "signer", { alg: "ES256", payload: { sub: "user-1", exp } });
 * const jwks = await getJwks(client, "signer"); // serve at /.well-known/jwks.json
 */
export { signJws, signJwt } from "./jws.js";
export type { SignJwsOptions, SignJwtOptions } from "./jws.js";
export type { JwsAlgorithm } from "./algorithms.js";
export { getJwks, publishJwk } from "./jwks.js";
export type { Jwks, JwksOptions, PublishedJwk } from "./jwks.js";
export { encryptJwe, encryptJweToJwk, decryptJwe } from "./jwe.js";
export type { EncryptJweOptions, DecryptJweOptions, DecryptedJwe, KeyManagement } from "./jwe.js";
export type { ContentEncryption } from "./content.js";
export { getPublicJwk, publicJwk } from "./key-ref.js";
export { signJwtWithCertificate } from "./certificate.js";
export type { SignJwtWithCertificateOptions } from "./certificate.js";
export type { VaultPublicJwk } from "./key-ref.js";
