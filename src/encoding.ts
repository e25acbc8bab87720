// Byte <-> text helpers on Web APIs only (atob/btoa, TextEncoder), shared by every module.
import { invalid } from "./input.js";

const encoder = /* @__PURE__ */ new TextEncoder();
const decoder = /* @__PURE__ */ new TextDecoder("utf-8", { fatal: true });

/**
 * UTF-8 encode a string.
 * @example const { result: signature } = await signData(client, "signer", "ES256", utf8Encode("hello"));
 */
export function utf8Encode(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text);
}

/**
 * UTF-8 decode bytes; throws on invalid UTF-8.
 * @example const text = utf8Decode((await decrypt(client, kid, "RSA-OAEP-256", ciphertext)).result);
 */
export function utf8Decode(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

function toBinaryString(bytes: Uint8Array): string {
  let out = "";
  // Chunked so large inputs do not exceed the argument limit of fromCharCode.
  for (let i = 0; i < bytes.length; i += 0x8000) out += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return out;
}

/**
 * Standard base64 with padding.
 * @example base64Encode(new Uint8Array([1, 2, 3])) // "AQID"
 */
export function base64Encode(bytes: Uint8Array): string {
  return btoa(toBinaryString(bytes));
}

/**
 * base64url without padding, as Key Vault sends binary values.
 * @example base64UrlEncode(new Uint8Array([251, 255])) // "-_8"
 */
export function base64UrlEncode(bytes: Uint8Array): string {
  return base64Encode(bytes).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
}

/**
 * Decodes base64url or standard base64, padded or not (one of Key Vault's own spec examples
 * uses standard base64). Throws `KeyVaultClientError` `ERR_INVALID_INPUT` on anything else.
 * @example base64UrlDecode("-_8") // Uint8Array [251, 255]
 */
export function base64UrlDecode(text: string): Uint8Array<ArrayBuffer> {
  if (typeof text !== "string") throw invalid("expected a base64url string");
  const normal = text.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
  if (!/^[A-Za-z0-9+/]*$/.test(normal) || normal.length % 4 === 1) throw invalid("invalid base64url value");
  // atob takes base64 without its padding (forgiving-base64)
  const binary = atob(normal);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * Same as {@link base64UrlDecode}; named for standard base64 inputs.
 * @example base64Decode("AQID") // Uint8Array [1, 2, 3]
 */
export const base64Decode = base64UrlDecode;

/**
 * The bytes as Web Crypto's `BufferSource` takes them: the same array when it sits on an
 * ArrayBuffer (the usual case), a copy when it sits on a SharedArrayBuffer (which Web Crypto refuses).
 */
export function arrayBufferBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}
