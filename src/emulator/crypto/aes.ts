// AES for Managed HSM oct-HSM keys: GCM through Web Crypto; CBC without padding, AES key
// wrap (RFC 3394) and key wrap with padding (RFC 5649) through @noble/ciphers.
import { buf, concat } from "../bytes.js";
import { MissingPeerError } from "./ec.js";

async function noble() {
  try {
    return await import("@noble/ciphers/aes.js");
  } catch (e) {
    throw new MissingPeerError(`AES key wrap and unpadded CBC in the emulator need the optional peer dependency @noble/ciphers: ${String(e)}`);
  }
}

/** AES-GCM encryption with a 128-bit tag; returns ciphertext and tag separately. */
export async function gcmEncrypt(key: Uint8Array, iv: Uint8Array, pt: Uint8Array, aad?: Uint8Array): Promise<{ ct: Uint8Array; tag: Uint8Array }> {
  const k = await crypto.subtle.importKey("raw", buf(key), "AES-GCM", false, ["encrypt"]);
  const out = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: buf(iv), tagLength: 128, ...(aad ? { additionalData: buf(aad) } : {}) }, k, buf(pt)));
  return { ct: out.slice(0, out.length - 16), tag: out.slice(out.length - 16) };
}

/** AES-GCM decryption; undefined when the tag does not match. */
export async function gcmDecrypt(key: Uint8Array, iv: Uint8Array, ct: Uint8Array, tag: Uint8Array, aad?: Uint8Array): Promise<Uint8Array | undefined> {
  const k = await crypto.subtle.importKey("raw", buf(key), "AES-GCM", false, ["decrypt"]);
  try {
    return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: buf(iv), tagLength: tag.length * 8, ...(aad ? { additionalData: buf(aad) } : {}) }, k, buf(concat(ct, tag))));
  } catch {
    return undefined;
  }
}

/** AES-CBC; `pad` selects PKCS#7 (CBCPAD). Undefined on bad input length or padding. */
export async function cbc(op: "encrypt" | "decrypt", key: Uint8Array, iv: Uint8Array, data: Uint8Array, pad: boolean): Promise<Uint8Array | undefined> {
  if (pad) {
    const k = await crypto.subtle.importKey("raw", buf(key), "AES-CBC", false, [op]);
    try { return new Uint8Array(await crypto.subtle[op]({ name: "AES-CBC", iv: buf(iv) }, k, buf(data))); } catch { return undefined; }
  }
  if (data.length % 16 !== 0) return undefined;
  const { cbc: nobleCbc } = await noble();
  const c = nobleCbc(key, iv, { disablePadding: true });
  return op === "encrypt" ? c.encrypt(data) : c.decrypt(data);
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
