// Encryption and key wrapping by the service: POST .../encrypt, /decrypt, /wrapkey, /unwrapkey.
// (KeyHandle.encrypt and .wrapKey do RSA-OAEP locally where they can.)
import type { KeyVaultClient } from "../client.js";
import { arrayBufferBytes, base64UrlDecode, base64UrlEncode } from "../encoding.js";
import { checkCipherInput } from "./algorithms.js";
import { keyPath, resolveKey } from "./ids.js";
import type {
  DecryptResult,
  EncryptResult,
  EncryptionAlgorithm,
  KeyWrapAlgorithm,
  OperationOptions,
  UnwrapResult,
  WrapResult,
} from "./types.js";
import { begin, request } from "../request.js";
import { answerStrings, checkClient, optionsOf } from "../input.js";

/**
 * AES options: `iv` (CBC: random when left out; GCM: the service makes it), `aad` (GCM), and `tag` (GCM decryption).
 * @example
 * const options: CipherOptions = { aad: new TextEncoder().encode("order-42") };
 * const { result, iv, tag } = await encrypt(client, "aes", "A256GCM", plaintext, options);
 * await decrypt(client, "aes", "A256GCM", result, { iv, tag, aad: options.aad });
 */
export interface CipherOptions extends OperationOptions {
  iv?: Uint8Array;
  aad?: Uint8Array;
  tag?: Uint8Array;
}

interface CipherAnswer {
  kid: string;
  value: string;
  iv?: string;
  tag?: string;
  aad?: string;
}

const b64 = (v: Uint8Array | undefined) => (v === undefined ? undefined : base64UrlEncode(v));
const bin = (v: string | undefined) => (typeof v === "string" && v ? base64UrlDecode(v) : undefined);
/** What every cipher operation answers: the algorithm, the key version used, the result's bytes. */
const resultOf = <A extends string>(algorithm: A, r: CipherAnswer) => ({ algorithm, kid: r.kid, result: base64UrlDecode(r.value) });
// The caller's own iv or aad, echoed in the result (copied only if it sits on a SharedArrayBuffer).
const echo = (v: Uint8Array | undefined) => (v === undefined ? undefined : arrayBufferBytes(v));

function call(
  client: KeyVaultClient,
  key: string,
  op: string,
  algorithm: string,
  value: Uint8Array,
  o: CipherOptions,
): Promise<CipherAnswer> {
  const address = resolveKey(client, key);
  const body = { alg: algorithm, value: base64UrlEncode(value), iv: b64(o.iv), aad: b64(o.aad), tag: b64(o.tag) };
  return request(client, "POST", keyPath(address, op), body, { signal: o.signal }).then((answer) =>
    answerStrings<CipherAnswer>(answer, `the ${op} result`, "kid", "value"),
  );
}

/**
 * Encrypts with a key in the service. RSA: `RSA-OAEP-256` (recommended), `RSA-OAEP`, `RSA1_5`;
 * Managed HSM AES: `A256GCM` (the service makes the iv; keep `iv` and `tag` for decryption), `A256CBCPAD` (a random `iv` unless given; keep it for decryption), ...
 * @example const { result: ciphertext, kid } = await encrypt(client, "rsa-key", "RSA-OAEP-256", plaintext);
 */
export function encrypt(
  client: KeyVaultClient,
  key: string,
  algorithm: EncryptionAlgorithm,
  plaintext: Uint8Array,
  opts?: CipherOptions,
): Promise<EncryptResult> {
  return begin(() => {
    checkClient(client, "encrypt");
    const given = optionsOf(opts, "encrypt");
    const spec = checkCipherInput(algorithm, plaintext, given, "encrypt");
    // The service needs a CBC iv from the caller; a fresh random one is the safe default.
    const options =
      (spec?.mode === "CBC" || spec?.mode === "CBCPAD") && !given.iv ? { ...given, iv: crypto.getRandomValues(new Uint8Array(16)) } : given;
    return call(client, key, "encrypt", algorithm, plaintext, options).then((r) => {
      const out: EncryptResult = { ...resultOf(algorithm, r), local: false };
      const iv = bin(r.iv) ?? echo(options.iv),
        tag = bin(r.tag),
        aad = bin(r.aad) ?? echo(options.aad);
      if (iv) out.iv = iv;
      if (tag) out.tag = tag;
      if (aad) out.aad = aad;
      return out;
    });
  });
}

/**
 * Decrypts with a key in the service (private keys never leave it).
 * @example const { result } = await decrypt(client, kid, "A256GCM", ciphertext, { iv, tag });
 */
export function decrypt(
  client: KeyVaultClient,
  key: string,
  algorithm: EncryptionAlgorithm,
  ciphertext: Uint8Array,
  opts?: CipherOptions,
): Promise<DecryptResult> {
  return begin(() => {
    checkClient(client, "decrypt");
    const options = optionsOf(opts, "decrypt");
    checkCipherInput(algorithm, ciphertext, options, "decrypt");
    return call(client, key, "decrypt", algorithm, ciphertext, options).then((r) => resultOf(algorithm, r));
  });
}

/**
 * Wraps (encrypts) a key, e.g. a data-encryption key, with a key in the service.
 * @example const { result: wrapped, kid } = await wrapKey(client, "kek", "RSA-OAEP-256", dek);
 */
export function wrapKey(
  client: KeyVaultClient,
  key: string,
  algorithm: KeyWrapAlgorithm,
  keyToWrap: Uint8Array,
  opts?: OperationOptions,
): Promise<WrapResult> {
  return begin(() => {
    checkClient(client, "wrapKey");
    const options = optionsOf(opts, "wrapKey");
    checkCipherInput(algorithm, keyToWrap, {}, "encrypt");
    return call(client, key, "wrapkey", algorithm, keyToWrap, options).then((r) => ({
      ...resultOf(algorithm, r),
      local: false as const,
    }));
  });
}

/**
 * Unwraps a key wrapped by {@link wrapKey}.
 * @example const { result: dek } = await unwrapKey(client, kid, "RSA-OAEP-256", wrapped);
 */
export function unwrapKey(
  client: KeyVaultClient,
  key: string,
  algorithm: KeyWrapAlgorithm,
  wrappedKey: Uint8Array,
  opts?: OperationOptions,
): Promise<UnwrapResult> {
  return begin(() => {
    checkClient(client, "unwrapKey");
    const options = optionsOf(opts, "unwrapKey");
    checkCipherInput(algorithm, wrappedKey, {}, "decrypt");
    return call(client, key, "unwrapkey", algorithm, wrappedKey, options).then((r) => resultOf(algorithm, r));
  });
}
