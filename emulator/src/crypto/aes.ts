// AES for Managed HSM oct-HSM keys with @noble/ciphers: GCM, CBC with and without PKCS#7
// padding, AES key wrap (RFC 3394) and key wrap with padding (RFC 5649). Not Web Crypto:
// Chromium's has no 192-bit AES, and it has neither unpadded CBC nor KWP.
import { MissingPeerError } from "./ec.js";

async function noble() {
  try {
    return await import("@noble/ciphers/aes.js");
  } catch (e) {
    throw new MissingPeerError(
      `AES keys in the emulator need the optional peer dependency @noble/ciphers (npm install @noble/ciphers): ${String(e)}`,
    );
  }
}

/** AES-GCM encryption with a 128-bit tag; returns ciphertext and tag separately. */
export async function gcmEncrypt(
  key: Uint8Array,
  iv: Uint8Array,
  pt: Uint8Array,
  aad?: Uint8Array,
): Promise<{ ct: Uint8Array; tag: Uint8Array }> {
  const { gcm } = await noble();
  const out = gcm(key, iv, aad).encrypt(pt);
  return { ct: out.slice(0, out.length - 16), tag: out.slice(out.length - 16) };
}

/** AES-GCM decryption; undefined when the tag does not match. */
export async function gcmDecrypt(
  key: Uint8Array,
  iv: Uint8Array,
  ct: Uint8Array,
  tag: Uint8Array,
  aad?: Uint8Array,
): Promise<Uint8Array | undefined> {
  const { gcm } = await noble();
  const joined = new Uint8Array(ct.length + tag.length);
  joined.set(ct);
  joined.set(tag, ct.length);
  try {
    return gcm(key, iv, aad).decrypt(joined);
  } catch {
    return undefined;
  }
}

/** AES-CBC; `pad` selects PKCS#7 (CBCPAD). Undefined on bad input length or padding. */
export async function cbc(
  op: "encrypt" | "decrypt",
  key: Uint8Array,
  iv: Uint8Array,
  data: Uint8Array,
  pad: boolean,
): Promise<Uint8Array | undefined> {
  if ((!pad || op === "decrypt") && data.length % 16 !== 0) return undefined;
  if (op === "decrypt" && data.length === 0) return undefined;
  const { cbc: nobleCbc } = await noble();
  const c = nobleCbc(key, iv, { disablePadding: !pad });
  try {
    return op === "encrypt" ? c.encrypt(data) : c.decrypt(data);
  } catch {
    return undefined;
  }
}

/** AES key wrap (RFC 3394) or with padding (RFC 5649). Undefined on bad input or integrity failure. */
export async function keyWrap(op: "wrap" | "unwrap", kek: Uint8Array, data: Uint8Array, pad: boolean): Promise<Uint8Array | undefined> {
  if (!pad && (data.length % 8 !== 0 || data.length < (op === "wrap" ? 16 : 24))) return undefined;
  if (pad && data.length === 0) return undefined;
  const { aeskw, aeskwp } = await noble();
  const c = (pad ? aeskwp : aeskw)(kek);
  try {
    return op === "wrap" ? c.encrypt(data) : c.decrypt(data);
  } catch {
    return undefined;
  }
}
