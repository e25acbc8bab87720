// Secure key release: POST /keys/{name}/{version}/release with an attestation token.
import type { KeyVaultClient } from "../client.js";
import { invalid, keyPath, resolveKey } from "./ids.js";
import type { OperationOptions } from "./types.js";
import { request } from "../request.js";
import { answerStrings, checkClient, checkType, describe, optionsOf } from "../input.js";

/**
 * How the released key is wrapped for the target.
 * @example
 * const algorithm: KeyExportEncryptionAlgorithm = "RSA_AES_KEY_WRAP_256";
 * const { value } = await releaseKey(client, "exportable", attestationJwt, { algorithm });
 */
export type KeyExportEncryptionAlgorithm = "CKM_RSA_AES_KEY_WRAP" | "RSA_AES_KEY_WRAP_256" | "RSA_AES_KEY_WRAP_384" | (string & {});

/**
 * Options of {@link releaseKey}.
 * @example
 * const options: ReleaseKeyOptions = { version: "0123456789abcdef0123456789abcdef", nonce: crypto.randomUUID(), algorithm: "CKM_RSA_AES_KEY_WRAP" };
 * const { value: jws } = await releaseKey(client, "exportable", attestationJwt, options);
 */
export interface ReleaseKeyOptions extends OperationOptions {
  /** The version to release (default: the newest; may also be given in `key`). */
  version?: string;
  /** A client nonce for freshness, echoed in the release token. */
  nonce?: string;
  /** How the key is wrapped (`enc`). */
  algorithm?: KeyExportEncryptionAlgorithm;
}

/**
 * The service's answer: a JWS whose payload carries the wrapped key.
 * @example
 * const { value }: ReleaseKeyResult = await releaseKey(client, "exportable", attestationJwt);
 * const [, payload] = value.split("."); // a JWS whose payload carries the wrapped key
 */
export interface ReleaseKeyResult {
  value: string;
}

/**
 * Releases an exportable key to an attested environment: `targetAttestationToken` is the
 * attestation service's JWT for the environment; the key comes back wrapped for that environment.
 * @example const { value: jws } = await releaseKey(client, "exportable", attestationJwt);
 */
export async function releaseKey(
  client: KeyVaultClient,
  key: string,
  targetAttestationToken: string,
  opts?: ReleaseKeyOptions,
): Promise<ReleaseKeyResult> {
  checkClient(client, "releaseKey");
  const options = optionsOf(opts, "releaseKey");
  checkType(options.version, "string", "releaseKey: version");
  checkType(options.nonce, "string", "releaseKey: nonce");
  checkType(options.algorithm, "string", "releaseKey: algorithm");
  const address = resolveKey(client, key, options.version);
  if (typeof targetAttestationToken !== "string" || !targetAttestationToken)
    throw invalid(`releaseKey needs the target's attestation token (a JWT string); got ${describe(targetAttestationToken)}`);
  const body = { target: targetAttestationToken, nonce: options.nonce, enc: options.algorithm };
  const res = answerStrings<{ value: string }>(
    await request(client, "POST", keyPath(address, "release"), body, { signal: options.signal }),
    "a release result",
    "value",
  );
  return { value: res.value };
}
