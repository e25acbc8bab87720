// Signing is always done by the service (the private key never leaves it): POST .../sign.
import type { KeyVaultClient } from "../client.js";
import { arrayBufferBytes, base64UrlDecode, base64UrlEncode } from "../encoding.js";
import { checkBytes, checkSignInput, signatureSpec } from "./algorithms.js";
import { invalid, keyPath, resolveKey } from "./ids.js";
import type { OperationOptions, SignResult, SignatureAlgorithm } from "./types.js";
import { begin, request } from "../request.js";
import { answerStrings, checkClient, optionsOf } from "../input.js";

/**
 * Signs a digest with a key. `key` is a name (newest version), `"name/version"` or a key
 * identifier; the result's `kid` is the exact version that signed: keep it to verify later.
 * The digest length must match the algorithm (32 bytes for *256, 48 for *384, 64 for *512).
 * ECDSA signatures are raw `r || s` (as JOSE and Web Crypto use them), not DER.
 * @example
 * const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
 * const { result: signature, kid } = await sign(client, "signer", "ES256", digest);
 */
export function sign(
  client: KeyVaultClient,
  key: string,
  algorithm: SignatureAlgorithm,
  digest: Uint8Array,
  opts?: OperationOptions,
): Promise<SignResult> {
  return begin(() => {
    checkClient(client, "sign");
    const options = optionsOf(opts, "sign");
    checkSignInput(algorithm, digest);
    const address = resolveKey(client, key);
    const body = { alg: algorithm, value: base64UrlEncode(digest) };
    return request(client, "POST", keyPath(address, "sign"), body, { signal: options.signal }).then((answer) => {
      const res = answerStrings<{ kid: string; value: string }>(answer, "a signature", "kid", "value");
      return { algorithm, kid: res.kid, result: base64UrlDecode(res.value) };
    });
  });
}

/**
 * Hashes `data` with Web Crypto (the algorithm's hash) and signs the digest with {@link sign}.
 * @example const { result } = await signData(client, "signer", "PS256", new TextEncoder().encode("hello"));
 */
export async function signData(
  client: KeyVaultClient,
  key: string,
  algorithm: SignatureAlgorithm,
  data: Uint8Array,
  opts?: OperationOptions,
): Promise<SignResult> {
  checkClient(client, "signData");
  const options = optionsOf(opts, "signData");
  return sign(client, key, algorithm, await digestFor(algorithm, data), options);
}

/**
 * The digest of `data` for a signature algorithm, by Web Crypto (SHA-256 for `ES256`, `RS256`, `PS256`, ...).
 * @example
 * const digest = await digestFor("ES384", data); // 48 bytes of SHA-384
 * const { result: signature } = await sign(client, "p384-signer", "ES384", digest);
 */
export async function digestFor(algorithm: SignatureAlgorithm, data: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  checkBytes(data, "data");
  const spec = signatureSpec(algorithm);
  if (!spec) throw invalid(`unknown signature algorithm ${JSON.stringify(algorithm)}: hash the data yourself and use sign/verify`);
  return new Uint8Array(await crypto.subtle.digest(spec.hash, arrayBufferBytes(data)));
}
