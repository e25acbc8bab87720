// Verification by the service: POST .../verify. (KeyHandle.verify does it locally where it can.)
import type { KeyVaultClient } from "../client.js";
import { base64UrlEncode } from "../encoding.js";
import { checkBytes, checkSignInput } from "./algorithms.js";
import { keyIdOf, keyPath, resolveKey } from "./ids.js";
import { digestFor } from "./sign.js";
import type { OperationOptions, SignatureAlgorithm, VerifyResult } from "./types.js";
import { begin, request } from "../request.js";
import { answerObject, badAnswer, checkClient, optionsOf } from "../input.js";

/**
 * Asks the service whether `signature` is valid for `digest`. Use the `kid` that signed (a
 * version-less name verifies with the newest version, which fails after a rotation).
 * For verification without a request, use a {@link KeyHandle} (`client.key(kid).verify(...)`).
 * @example const { result: valid } = await verify(client, kid, "ES256", digest, signature);
 */
export function verify(
  client: KeyVaultClient,
  key: string,
  algorithm: SignatureAlgorithm,
  digest: Uint8Array,
  signature: Uint8Array,
  opts?: OperationOptions,
): Promise<VerifyResult> {
  return begin(() => {
    checkClient(client, "verify");
    const options = optionsOf(opts, "verify");
    checkSignInput(algorithm, digest);
    checkBytes(signature, "signature");
    const address = resolveKey(client, key);
    const body = { alg: algorithm, digest: base64UrlEncode(digest), value: base64UrlEncode(signature) };
    return request(client, "POST", keyPath(address, "verify"), body, { signal: options.signal }).then((answer) => {
      const res = answerObject<{ value: unknown }>(answer, "a verify result");
      if (typeof res.value !== "boolean") throw badAnswer("(a verify result) has no value");
      return { algorithm, kid: keyIdOf(client.vaultOrigin, address), result: res.value, local: false };
    });
  });
}

/**
 * Hashes `data` with Web Crypto and asks the service to verify the signature over that digest.
 * @example const { result } = await verifyData(client, kid, "RS256", data, signature);
 */
export async function verifyData(
  client: KeyVaultClient,
  key: string,
  algorithm: SignatureAlgorithm,
  data: Uint8Array,
  signature: Uint8Array,
  opts?: OperationOptions,
): Promise<VerifyResult> {
  checkClient(client, "verifyData");
  const options = optionsOf(opts, "verifyData");
  return verify(client, key, algorithm, await digestFor(algorithm, data), signature, options);
}
