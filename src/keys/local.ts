// Public-key operations without a request, from a public JWK: what Web Crypto can do, plus the RSA
// and ECDSA checks over a bare digest that it cannot (see rsa-verify.ts, ecdsa-verify.ts).
import { arrayBufferBytes, base64UrlDecode } from "../encoding.js";
import { KeyVaultClientError } from "../errors.js";
import { checkBytes, checkSignInput, encryptionSpec, signatureSpec } from "./algorithms.js";
import { isEcdsaDigestCurve, verifyEcdsaDigest } from "./ecdsa-verify.js";
import { verifyPkcs1, verifyPss } from "./rsa-verify.js";
import type { EncryptionAlgorithm, SignatureAlgorithm } from "./types.js";
import type { JwkInput } from "../web-types.js";
import { describe } from "../input.js";

const family = (jwk: JwkInput) => String(jwk.kty ?? "").replace(/-HSM$/i, "");

/** Throws unless `jwk` is a key object (a vault key's `key`, or any public JWK). */
function checkJwk(jwk: unknown, fn: string): asserts jwk is JwkInput {
  if (!jwk || typeof jwk !== "object")
    throw new KeyVaultClientError("ERR_INVALID_INPUT", `${fn} takes a public JWK (e.g. a vault key's key); got ${describe(jwk)}`);
}

/**
 * True when {@link verifyLocally} / {@link verifyDataLocally} can check this algorithm with this key.
 * @example
 * const { key: jwk } = await getKey(client, kid);
 * const valid = canVerifyLocally("ES256", jwk) ? await verifyLocally(jwk, "ES256", digest, signature) : (await verify(client, kid, "ES256", digest, signature)).result;
 */
export function canVerifyLocally(algorithm: SignatureAlgorithm, jwk: JwkInput): boolean {
  checkJwk(jwk, "canVerifyLocally");
  const spec = signatureSpec(algorithm);
  if (!spec || family(jwk) !== spec.family) return false;
  if (spec.family === "RSA") return typeof jwk.n === "string" && typeof jwk.e === "string";
  return spec.curve === jwk.crv && isEcdsaDigestCurve(spec.curve!) && typeof jwk.x === "string" && typeof jwk.y === "string";
}

/**
 * True when {@link encryptLocally} can encrypt (or wrap) with this algorithm and key: RSA-OAEP and RSA-OAEP-256.
 * @example
 * canEncryptLocally("RSA-OAEP-256", key.key); // true for an RSA key; false for EC keys and RSA1_5
 */
export function canEncryptLocally(algorithm: EncryptionAlgorithm, jwk: JwkInput): boolean {
  checkJwk(jwk, "canEncryptLocally");
  const spec = encryptionSpec(algorithm);
  return !!spec?.oaepHash && family(jwk) === "RSA" && typeof jwk.n === "string" && typeof jwk.e === "string";
}

function unsupported(what: string): KeyVaultClientError {
  return new KeyVaultClientError("ERR_UNSUPPORTED", `${what} cannot be done locally; use the service`);
}

/**
 * Verifies a signature over a digest with a public JWK, no request: RS*, PS* (any salt length),
 * ES256, ES384, ES512. Resolves false for a wrong signature; throws `ERR_INVALID_INPUT` for a
 * digest of the wrong length and `ERR_UNSUPPORTED` for ES256K or an unknown algorithm.
 * @example const ok = await verifyLocally(key.key, "ES256", digest, signature);
 */
export async function verifyLocally(
  jwk: JwkInput,
  algorithm: SignatureAlgorithm,
  digest: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  checkJwk(jwk, "verifyLocally");
  const spec = checkSignInput(algorithm, digest);
  checkBytes(signature, "signature");
  if (!spec || !canVerifyLocally(algorithm, jwk))
    throw unsupported(`${algorithm} verification with this ${jwk.kty} ${jwk.crv ?? ""} key`.replace(/ +/g, " "));
  if (spec.family === "RSA") {
    const n = base64UrlDecode(jwk.n!),
      e = base64UrlDecode(jwk.e!);
    return spec.pss ? verifyPss(n, e, spec.hash, digest, signature) : verifyPkcs1(n, e, spec.hash, digest, signature);
  }
  return verifyEcdsaDigest(spec.curve!, base64UrlDecode(jwk.x!), base64UrlDecode(jwk.y!), digest, signature);
}

// Imported CryptoKeys per JWK object and algorithm: a resolved value, safe to share across requests.
const imported = new WeakMap<object, Map<string, CryptoKey>>();

async function importPublic(
  jwk: JwkInput,
  algorithm: RsaHashedImportParams | EcKeyImportParams,
  usage: KeyUsage,
  cacheKey: string,
): Promise<CryptoKey> {
  let byAlg = imported.get(jwk);
  const hit = byAlg?.get(cacheKey);
  if (hit) return hit;
  const data: JsonWebKey =
    family(jwk) === "EC" ? { kty: "EC", crv: jwk.crv!, x: jwk.x!, y: jwk.y!, ext: true } : { kty: "RSA", n: jwk.n!, e: jwk.e!, ext: true };
  const key = await crypto.subtle.importKey("jwk", data, algorithm, true, [usage]);
  if (!byAlg) imported.set(jwk, (byAlg = new Map()));
  byAlg.set(cacheKey, key);
  return key;
}

/**
 * Verifies a signature over `data` with a public JWK, no request (Web Crypto hashes the data).
 * @example const ok = await verifyDataLocally(key.key, "PS256", data, signature);
 */
export async function verifyDataLocally(
  jwk: JwkInput,
  algorithm: SignatureAlgorithm,
  data: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  checkJwk(jwk, "verifyDataLocally");
  checkBytes(data, "data");
  checkBytes(signature, "signature");
  const spec = signatureSpec(algorithm);
  if (!spec || !canVerifyLocally(algorithm, jwk)) throw unsupported(`${algorithm} verification with this ${jwk.kty} key`);
  if (spec.family === "RSA") {
    // RSA's public operation is cheap; the digest path also accepts any PSS salt length.
    return verifyLocally(jwk, algorithm, new Uint8Array(await crypto.subtle.digest(spec.hash, arrayBufferBytes(data))), signature);
  }
  const key = await importPublic(jwk, { name: "ECDSA", namedCurve: spec.curve! }, "verify", `ECDSA`);
  return crypto.subtle.verify({ name: "ECDSA", hash: spec.hash }, key, arrayBufferBytes(signature), arrayBufferBytes(data));
}

/**
 * Encrypts (or wraps a key) with a public RSA JWK, no request: RSA-OAEP (SHA-1) or RSA-OAEP-256.
 * The service decrypts it with the private key.
 * @example const ciphertext = await encryptLocally(key.key, "RSA-OAEP-256", dek);
 */
export async function encryptLocally(
  jwk: JwkInput,
  algorithm: EncryptionAlgorithm,
  plaintext: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  checkJwk(jwk, "encryptLocally");
  checkBytes(plaintext, "plaintext");
  const spec = encryptionSpec(algorithm);
  if (!spec?.oaepHash || !canEncryptLocally(algorithm, jwk)) throw unsupported(`${algorithm} encryption with this ${jwk.kty} key`);
  const key = await importPublic(jwk, { name: "RSA-OAEP", hash: spec.oaepHash }, "encrypt", algorithm);
  const modulusBytes = base64UrlDecode(jwk.n!).filter((_, i, a) => i > 0 || a[0] !== 0).length;
  const hLen = spec.oaepHash === "SHA-1" ? 20 : 32;
  const max = modulusBytes - 2 * hLen - 2;
  if (plaintext.length > max) {
    throw new KeyVaultClientError(
      "ERR_INVALID_INPUT",
      `${algorithm} with a ${modulusBytes * 8}-bit key encrypts at most ${max} bytes; got ${plaintext.length}`,
    );
  }
  return new Uint8Array(await crypto.subtle.encrypt({ name: "RSA-OAEP" }, key, arrayBufferBytes(plaintext)));
}
