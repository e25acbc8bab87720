// Secure key release (exportable keys with a release policy) and key attestation.
// Release checks the target attestation token against authorities registered with the
// emulator (it cannot fetch a real authority's keys) and evaluates the policy's claims.
import { b64std, b64url, buf, concat, fromB64, fromUtf8, randomBytes, utf8 } from "../bytes.js";
import { keyWrap } from "../crypto/aes.js";
import { secp256k1Pkcs8 } from "../crypto/der.js";
import { decodeJwt, verifyJwt } from "../identity/jwt.js";
import { badParameter, forbidden } from "../errors.js";
import { checkUsable, keyVersion, objectBody, type Answer, type VaultContext } from "./context.js";
import type { KeyVersion } from "./store.js";

type Condition = { claim?: string; equals?: unknown; allOf?: Condition[]; anyOf?: Condition[]; authority?: string };

const trimSlash = (s: string) => s.replace(/\/+$/, "").toLowerCase();

/** A claim by name or dotted path; own properties only ("constructor" is no claim). */
function claimAt(claims: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path];
  return path
    .split(".")
    .reduce<unknown>((o, k) => (o && typeof o === "object" && Object.hasOwn(o, k) ? (o as Record<string, unknown>)[k] : undefined), claims);
}

/** Evaluates one policy node (claim/equals, allOf, anyOf) against token claims; anything but an object fails. */
function satisfies(node: Condition, claims: Record<string, unknown>): boolean {
  if (!node || typeof node !== "object" || Array.isArray(node)) return false;
  if (node.allOf !== undefined && !(Array.isArray(node.allOf) && node.allOf.every((c) => satisfies(c, claims)))) return false;
  if (node.anyOf !== undefined && !(Array.isArray(node.anyOf) && node.anyOf.some((c) => satisfies(c, claims)))) return false;
  if (node.claim !== undefined) {
    const v = claimAt(claims, node.claim);
    if (typeof node.claim !== "string" || v === undefined || String(v).toLowerCase() !== String(node.equals).toLowerCase()) return false;
  }
  return true;
}

/** PKCS#8 (or raw, for AES) bytes of the key to release. */
async function privateKeyBytes(v: KeyVersion): Promise<Uint8Array> {
  const m = v.material;
  if (m.kind === "oct") return m.k;
  if (m.kind === "RSA") {
    const k = await crypto.subtle.importKey("jwk", { ...m.jwk, ext: true }, { name: "RSA-OAEP", hash: "SHA-256" }, true, ["decrypt"]);
    return new Uint8Array(await crypto.subtle.exportKey("pkcs8", k));
  }
  if (m.key.crv === "P-256K") return secp256k1Pkcs8(m.key.d, m.key.x, m.key.y);
  const k = await crypto.subtle.importKey(
    "jwk",
    { kty: "EC", crv: m.key.crv, d: b64url(m.key.d), x: b64url(m.key.x), y: b64url(m.key.y), ext: true },
    { name: "ECDSA", namedCurve: m.key.crv },
    true,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.exportKey("pkcs8", k));
}

/** POST /keys/{name}/{version}/release */
export async function release(ctx: VaultContext, name: string, version: string): Promise<Answer> {
  const { entry, v } = keyVersion(ctx, name, version);
  const body = objectBody(ctx);
  if (typeof body.target !== "string" || !body.target)
    throw badParameter("Property 'target' (the attestation token of the target environment) is required.");
  if (!v.exportable || !v.releasePolicy) throw forbidden(`Key ${entry.name} is not exportable and cannot be released.`);
  checkUsable(ctx, v, "release", false);
  const enc = typeof body.enc === "string" ? body.enc : "CKM_RSA_AES_KEY_WRAP";
  if (enc !== "CKM_RSA_AES_KEY_WRAP" && enc !== "RSA_AES_KEY_WRAP_256")
    throw badParameter(`Unsupported enc '${enc}'. Supported values are CKM_RSA_AES_KEY_WRAP and RSA_AES_KEY_WRAP_256.`);

  const jwt = decodeJwt(body.target);
  if (!jwt) throw badParameter("The target attestation token is not a valid JWT.");
  const iss = String(jwt.payload.iss ?? "");
  const trusted = [...ctx.attestationAuthorities.entries()].find(([a]) => trimSlash(a) === trimSlash(iss))?.[1];
  if (!trusted)
    throw forbidden(
      `The attestation authority '${iss}' is not trusted by this emulator (register it with emulator.trustAttestationAuthority).`,
    );
  let verified = false;
  for (const k of trusted)
    if (await verifyJwt(jwt, k)) {
      verified = true;
      break;
    }
  if (!verified) throw forbidden("The target attestation token signature could not be verified.");
  const now = ctx.nowSeconds;
  if (typeof jwt.payload.exp === "number" && jwt.payload.exp <= now) throw forbidden("The target attestation token has expired.");

  let policy: { anyOf?: Condition[]; allOf?: Condition[] };
  try {
    policy = JSON.parse(fromUtf8(fromB64(v.releasePolicy.data)!));
  } catch {
    throw badParameter("The key's release policy is not valid JSON.");
  }
  if (!policy || typeof policy !== "object") throw badParameter("The key's release policy is not valid JSON.");
  const clauses = [
    ...(Array.isArray(policy.anyOf) ? policy.anyOf : []),
    ...(Array.isArray(policy.allOf) ? [{ allOf: policy.allOf } as Condition] : []),
  ];
  const ok = clauses.some(
    (c) =>
      Boolean(c) &&
      typeof c === "object" &&
      (c.authority === undefined || (typeof c.authority === "string" && trimSlash(c.authority) === trimSlash(iss))) &&
      satisfies(c, jwt.payload),
  );
  if (!ok) throw forbidden("The target attestation token does not satisfy the key's release policy.");

  const runtimeKeys = (jwt.payload["x-ms-runtime"] as { keys?: JsonWebKey[] } | undefined)?.keys ?? [];
  const target = runtimeKeys.find((k) => k.kty === "RSA" && k.n && k.e);
  if (!target) throw badParameter("The target attestation token carries no RSA key in x-ms-runtime.keys to wrap the released key with.");

  // CKM_RSA_AES_KEY_WRAP: RSA-OAEP of a fresh AES key, followed by AES key wrap with padding of the key.
  const aes = randomBytes(32);
  const wrapKey = await crypto.subtle.importKey(
    "jwk",
    { kty: "RSA", n: target.n, e: target.e },
    { name: "RSA-OAEP", hash: enc === "RSA_AES_KEY_WRAP_256" ? "SHA-256" : "SHA-1" },
    false,
    ["encrypt"],
  );
  const wrappedAes = new Uint8Array(await crypto.subtle.encrypt({ name: "RSA-OAEP" }, wrapKey, buf(aes)));
  const wrappedKey = (await keyWrap("wrap", aes, await privateKeyBytes(v), true))!;
  const keyHsm = {
    schema_version: "1.0",
    header: { kid: (target as { kid?: string }).kid ?? "", alg: "dir", enc },
    ciphertext: b64url(concat(wrappedAes, wrappedKey)),
  };

  const pub = ctx.store.publicJwk(entry.name, v);
  const bundle = ctx.store.bundle(entry.name, v);
  const value = await ctx.signJws({
    request: { "api-version": ctx.url.searchParams.get("api-version"), enc, kid: ctx.store.kidBase(entry.name) },
    response: {
      key: {
        key: { ...pub, key_hsm: b64url(utf8(JSON.stringify(keyHsm))) },
        attributes: bundle.attributes,
        release_policy: { data: v.releasePolicy.data, immutable: v.releasePolicy.immutable },
      },
    },
  });
  return { status: 200, body: { value } };
}

/** GET /keys/{name}/{version}/attestation: the bundle plus an emulator-signed attestation statement. */
export async function attestation(ctx: VaultContext, name: string, version: string): Promise<Answer> {
  const { entry, v } = keyVersion(ctx, name, version);
  const bundle = ctx.store.bundle(entry.name, v);
  const statement = (kind: string) =>
    ctx.signJws({
      attestation: kind,
      issuer: "keyvault-fetch emulator (not a hardware attestation)",
      kid: ctx.store.kid(entry.name, v),
      key: ctx.store.publicJwk(entry.name, v),
      exportable: v.exportable,
      iat: ctx.nowSeconds,
    });
  (bundle.attributes as Record<string, unknown>).attestation = {
    certificatePemFile: b64std(utf8(await ctx.signerPem())),
    privateKeyAttestation: b64std(utf8(await statement("private"))),
    publicKeyAttestation: b64std(utf8(await statement("public"))),
    version: "1.0",
  };
  return { status: 200, body: bundle };
}
