// Cryptographic operations: sign, verify, encrypt, decrypt, wrapkey, unwrapkey, and /rng.
import { b64url, randomBytes, uuid } from "../bytes.js";
import { cbc, gcmDecrypt, gcmEncrypt, keyWrap } from "../crypto/aes.js";
import { CURVES, ecSign, ecVerify } from "../crypto/ec.js";
import {
  decryptRsa15,
  encryptRsa15,
  oaep,
  rsaFromJwk,
  rsaPublicFromJwk,
  signPkcs1,
  signPss,
  verifyPkcs1,
  verifyPss,
  type RsaKey,
  type ShaName,
} from "../crypto/rsa.js";
import { badParameter } from "../errors.js";
import { bytesField, checkUsable, keyVersion, objectBody, type Answer, type VaultContext } from "./context.js";
import type { KeyVersion } from "./store.js";

const rsaKeys = new WeakMap<JsonWebKey, RsaKey>();
/** Parses (once) the private key of a stored RSA JWK. */
function rsaKey(jwk: JsonWebKey): RsaKey {
  let k = rsaKeys.get(jwk);
  if (!k) {
    k = rsaFromJwk(jwk)!;
    rsaKeys.set(jwk, k);
  }
  return k;
}

// A Map: an `alg` of "constructor" is an unknown algorithm, not Object.prototype.constructor.
const RSA_SIGN = new Map<string, { hash: ShaName; pss: boolean; len: number }>([
  ["RS256", { hash: "SHA-256", pss: false, len: 32 }],
  ["RS384", { hash: "SHA-384", pss: false, len: 48 }],
  ["RS512", { hash: "SHA-512", pss: false, len: 64 }],
  ["PS256", { hash: "SHA-256", pss: true, len: 32 }],
  ["PS384", { hash: "SHA-384", pss: true, len: 48 }],
  ["PS512", { hash: "SHA-512", pss: true, len: 64 }],
]);

function algOf(body: Record<string, unknown>): string {
  if (typeof body.alg !== "string" || !body.alg) throw badParameter("Property 'alg' is required.");
  return body.alg;
}

const unsupported = (alg: string, v: KeyVersion) =>
  badParameter(
    `Algorithm '${alg}' is not supported for key type ${v.kty}${v.material.kind === "EC" ? ` (curve ${v.material.key.crv})` : ""}.`,
  );

/** Checks the digest length for a signing algorithm. */
function checkDigest(alg: string, digest: Uint8Array, expected: number): void {
  if (digest.length !== expected)
    throw badParameter(`Invalid digest length ${digest.length} for algorithm ${alg}: it must be ${expected} bytes.`);
}

/** POST /keys/{name}/{version}/sign: signs the DIGEST sent in `value`. */
export async function sign(ctx: VaultContext, name: string, version: string): Promise<Answer> {
  const { entry, v } = keyVersion(ctx, name, version);
  const body = objectBody(ctx);
  checkUsable(ctx, v, "sign");
  const alg = algOf(body);
  const digest = bytesField(body, "value")!;
  const m = v.material;
  let sig: Uint8Array;
  const rsa = RSA_SIGN.get(alg);
  if (m.kind === "RSA" && rsa) {
    const a = rsa;
    checkDigest(alg, digest, a.len);
    const k = rsaKey(m.jwk);
    sig = a.pss ? await signPss(k, a.hash, digest) : signPkcs1(k, a.hash, digest);
  } else if (m.kind === "EC" && CURVES[m.key.crv].alg === alg) {
    checkDigest(alg, digest, CURVES[m.key.crv].digest);
    sig = await ecSign(m.key, digest);
  } else {
    throw unsupported(alg, v);
  }
  return { status: 200, body: { kid: ctx.store.kid(entry.name, v), value: b64url(sig) } };
}

/** POST /keys/{name}/{version}/verify: {alg, digest, value: signature} -> {value: boolean}. */
export async function verify(ctx: VaultContext, name: string, version: string): Promise<Answer> {
  const { v } = keyVersion(ctx, name, version);
  const body = objectBody(ctx);
  checkUsable(ctx, v, "verify");
  const alg = algOf(body);
  const digest = bytesField(body, "digest")!;
  const sig = bytesField(body, "value")!;
  const m = v.material;
  let ok: boolean;
  const rsa = RSA_SIGN.get(alg);
  if (m.kind === "RSA" && rsa) {
    const a = rsa;
    checkDigest(alg, digest, a.len);
    const k = rsaPublicFromJwk(m.jwk)!;
    ok = a.pss ? await verifyPss(k, a.hash, digest, sig) : verifyPkcs1(k, a.hash, digest, sig);
  } else if (m.kind === "EC" && CURVES[m.key.crv].alg === alg) {
    checkDigest(alg, digest, CURVES[m.key.crv].digest);
    ok = await ecVerify(m.key, digest, sig);
  } else {
    throw unsupported(alg, v);
  }
  return { status: 200, body: { value: ok } };
}

const RSA_ENC = ["RSA-OAEP", "RSA-OAEP-256", "RSA1_5"];

async function rsaCipher(op: "encrypt" | "decrypt", v: KeyVersion, alg: string, data: Uint8Array): Promise<Uint8Array> {
  if (v.material.kind !== "RSA" || !RSA_ENC.includes(alg)) throw unsupported(alg, v);
  const jwk = v.material.jwk;
  const size = rsaPublicFromJwk(jwk)!.size;
  if (op === "encrypt") {
    const max = alg === "RSA1_5" ? size - 11 : alg === "RSA-OAEP" ? size - 42 : size - 66;
    if (data.length > max) throw badParameter(`The plaintext is too long for ${alg} with a ${size * 8}-bit key: at most ${max} bytes.`);
  } else if (data.length !== size) {
    throw badParameter(`The ciphertext length ${data.length} does not match the ${size * 8}-bit key (expected ${size} bytes).`);
  }
  const out =
    alg === "RSA1_5"
      ? op === "encrypt"
        ? encryptRsa15(rsaPublicFromJwk(jwk)!, data)
        : decryptRsa15(rsaKey(jwk), data)
      : await oaep(op, jwk, alg === "RSA-OAEP" ? "SHA-1" : "SHA-256", data);
  if (!out)
    throw badParameter(`${op === "decrypt" ? "Decryption" : "Encryption"} failed: the ciphertext is not valid for ${alg} with this key.`);
  return out;
}

/** Parses AES algorithm names: A256GCM, A128CBCPAD, A192KW, CKM_AES_KEY_WRAP(_PAD). */
function aesAlg(alg: string, keyBits: number): { mode: "GCM" | "CBC" | "CBCPAD" | "KW" | "KWP"; bits: number } | undefined {
  if (alg === "CKM_AES_KEY_WRAP") return { mode: "KW", bits: keyBits };
  if (alg === "CKM_AES_KEY_WRAP_PAD") return { mode: "KWP", bits: keyBits };
  const m = /^A(128|192|256)(GCM|CBC|CBCPAD|KW)$/.exec(alg);
  return m ? { mode: m[2] as "GCM" | "CBC" | "CBCPAD" | "KW", bits: Number(m[1]) } : undefined;
}

function aesFor(alg: string, v: KeyVersion, modes: string[]): { mode: string; key: Uint8Array } {
  if (v.material.kind !== "oct") throw unsupported(alg, v);
  const a = aesAlg(alg, v.material.k.length * 8);
  if (!a || !modes.includes(a.mode)) throw unsupported(alg, v);
  if (a.bits !== v.material.k.length * 8)
    throw badParameter(`Algorithm '${alg}' needs a ${a.bits}-bit key; this key has ${v.material.k.length * 8} bits.`);
  return { mode: a.mode, key: v.material.k };
}

/** What every encrypt/decrypt/wrap/unwrap call starts with: the usable key version and the body's alg and value. */
function cryptoRequest(ctx: VaultContext, name: string, version: string, op: "encrypt" | "decrypt" | "wrapKey" | "unwrapKey") {
  const { entry, v } = keyVersion(ctx, name, version);
  const body = objectBody(ctx);
  checkUsable(ctx, v, op);
  return { v, body, alg: algOf(body), data: bytesField(body, "value")!, kid: ctx.store.kid(entry.name, v) };
}

/** POST .../encrypt and .../decrypt */
export async function cipher(ctx: VaultContext, name: string, version: string, op: "encrypt" | "decrypt"): Promise<Answer> {
  const { v, body, alg, data, kid } = cryptoRequest(ctx, name, version, op);
  if (v.material.kind !== "oct") return { status: 200, body: { kid, value: b64url(await rsaCipher(op, v, alg, data)) } };

  const { mode, key } = aesFor(alg, v, ["GCM", "CBC", "CBCPAD"]);
  const aad = bytesField(body, "aad", false);
  if (mode === "GCM") {
    if (op === "encrypt") {
      // The HSM makes the IV; a caller-supplied one is ignored (the answer carries the one used).
      const iv = randomBytes(12);
      const { ct, tag } = await gcmEncrypt(key, iv, data, aad);
      return { status: 200, body: { alg, iv: b64url(iv), kid, tag: b64url(tag), value: b64url(ct) } };
    }
    const iv = bytesField(body, "iv");
    const tag = bytesField(body, "tag");
    if (!iv || iv.length !== 12) throw badParameter("Property 'iv' must be the 12-byte IV returned by encrypt.");
    if (!tag || tag.length !== 16) throw badParameter("Property 'tag' must be the 16-byte authentication tag returned by encrypt.");
    const pt = await gcmDecrypt(key, iv, data, tag, aad);
    if (!pt) throw badParameter("Decryption failed: the authentication tag does not match.");
    return { status: 200, body: { alg, kid, value: b64url(pt) } };
  }
  const iv = bytesField(body, "iv");
  if (!iv || iv.length !== 16) throw badParameter("Property 'iv' is required for AES-CBC and must be 16 bytes.");
  const out = await cbc(op, key, iv, data, mode === "CBCPAD");
  if (!out)
    throw badParameter(
      mode === "CBC"
        ? `The ${op === "encrypt" ? "plaintext" : "ciphertext"} length must be a multiple of 16 bytes for ${alg}.`
        : "Decryption failed: bad padding.",
    );
  return { status: 200, body: op === "encrypt" ? { alg, iv: b64url(iv), kid, value: b64url(out) } : { alg, kid, value: b64url(out) } };
}

/** POST .../wrapkey and .../unwrapkey */
export async function wrap(ctx: VaultContext, name: string, version: string, op: "wrapKey" | "unwrapKey"): Promise<Answer> {
  const { v, alg, data, kid } = cryptoRequest(ctx, name, version, op);
  if (v.material.kind !== "oct")
    return { status: 200, body: { kid, value: b64url(await rsaCipher(op === "wrapKey" ? "encrypt" : "decrypt", v, alg, data)) } };
  const { mode, key } = aesFor(alg, v, ["KW", "KWP"]);
  const out = await keyWrap(op === "wrapKey" ? "wrap" : "unwrap", key, data, mode === "KWP");
  if (!out)
    throw badParameter(
      op === "unwrapKey"
        ? "Unwrap failed: the wrapped key is not valid for this key (integrity check failed)."
        : `The key to wrap has an invalid length for ${alg}${mode === "KW" ? " (a multiple of 8 bytes, at least 16)" : ""}.`,
    );
  return { status: 200, body: { alg, kid, value: b64url(out) } };
}

/** POST /rng (Managed HSM): 1..128 random bytes. */
export function randomBytesOp(ctx: VaultContext): Answer {
  const body = objectBody(ctx);
  const count = body.count;
  if (typeof count !== "number" || !Number.isInteger(count) || count < 1 || count > 128) {
    throw badParameter(`GetRandomBytesRequest: count cannot be greater than 128 or less than 1 (Activity ID: ${uuid()})`);
  }
  return { status: 200, body: { value: b64url(randomBytes(count)) } };
}
