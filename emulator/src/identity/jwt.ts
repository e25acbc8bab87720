// Compact JWS (JWT) signing and verification with Web Crypto: RSA (RS*, PS*) for Entra's own
// tokens and client assertions, plus ECDSA (ES256/384/512) for federated issuers' tokens.
import { b64url, buf, fromB64, fromUtf8, utf8 } from "../bytes.js";

/** A decoded (not yet verified) JWT. */
export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: Uint8Array;
  signature: Uint8Array;
}

// Maps, not object literals: an `alg` of "constructor" must find nothing.
const ALGS = new Map<string, RsaHashedImportParams & { saltLength?: number }>([
  ["RS256", { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }],
  ["RS384", { name: "RSASSA-PKCS1-v1_5", hash: "SHA-384" }],
  ["RS512", { name: "RSASSA-PKCS1-v1_5", hash: "SHA-512" }],
  ["PS256", { name: "RSA-PSS", hash: "SHA-256", saltLength: 32 }],
  ["PS384", { name: "RSA-PSS", hash: "SHA-384", saltLength: 48 }],
  ["PS512", { name: "RSA-PSS", hash: "SHA-512", saltLength: 64 }],
]);

/** Splits and parses a compact JWS; undefined when it is not one. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  const [h, p, s] = parts as [string, string, string];
  const hb = fromB64(h),
    pb = fromB64(p),
    sig = fromB64(s);
  if (!hb || !pb || !sig) return undefined;
  try {
    const header = JSON.parse(fromUtf8(hb)),
      payload = JSON.parse(fromUtf8(pb));
    if (!header || typeof header !== "object" || !payload || typeof payload !== "object") return undefined;
    return { header, payload, signingInput: utf8(`${h}.${p}`), signature: sig };
  } catch {
    return undefined;
  }
}

/** Signs claims as a compact JWS with an RSA private key. */
export async function signJwt(header: Record<string, unknown>, payload: Record<string, unknown>, key: CryptoKey): Promise<string> {
  const alg = ALGS.get(String(header.alg));
  if (!alg) throw new Error(`unsupported JWS alg ${String(header.alg)}`);
  const input = `${b64url(utf8(JSON.stringify(header)))}.${b64url(utf8(JSON.stringify(payload)))}`;
  const sig = new Uint8Array(
    await crypto.subtle.sign(alg.saltLength ? { name: alg.name, saltLength: alg.saltLength } : alg.name, key, buf(utf8(input))),
  );
  return `${input}.${b64url(sig)}`;
}

const EC_ALGS = new Map<string, { crv: string; hash: string }>([
  ["ES256", { crv: "P-256", hash: "SHA-256" }],
  ["ES384", { crv: "P-384", hash: "SHA-384" }],
  ["ES512", { crv: "P-521", hash: "SHA-512" }],
]);

/** Verifies a decoded JWS against an RSA (or, for ES*, EC) public JWK; false on any mismatch (never throws for bad input). */
export async function verifyJwt(jwt: DecodedJwt, publicJwk: JsonWebKey): Promise<boolean> {
  const ec = EC_ALGS.get(String(jwt.header.alg));
  if (ec) {
    if (publicJwk.kty !== "EC" || publicJwk.crv !== ec.crv) return false;
    try {
      const key = await crypto.subtle.importKey(
        "jwk",
        { kty: "EC", crv: ec.crv, x: publicJwk.x!, y: publicJwk.y! },
        { name: "ECDSA", namedCurve: ec.crv },
        false,
        ["verify"],
      );
      return await crypto.subtle.verify({ name: "ECDSA", hash: ec.hash }, key, buf(jwt.signature), buf(jwt.signingInput));
    } catch {
      return false;
    }
  }
  const alg = ALGS.get(String(jwt.header.alg));
  if (!alg || publicJwk.kty !== "RSA") return false;
  try {
    const key = await crypto.subtle.importKey(
      "jwk",
      { kty: "RSA", n: publicJwk.n!, e: publicJwk.e! },
      { name: alg.name, hash: alg.hash },
      false,
      ["verify"],
    );
    return await crypto.subtle.verify(
      alg.saltLength ? { name: alg.name, saltLength: alg.saltLength } : alg.name,
      key,
      buf(jwt.signature),
      buf(jwt.signingInput),
    );
  } catch {
    return false;
  }
}

/** The JWS algorithms verifyJwt understands. */
export const SUPPORTED_JWS_ALGS = [...ALGS.keys(), ...EC_ALGS.keys()];
