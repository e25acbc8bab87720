// Key CRUD: create, import, get, update, list, list versions.
import { b64url, fromB64, randomBytes, randomVersion, stripLeadingZeros } from "../bytes.js";
import { ecFromJwk, generateEc, isCurve } from "../crypto/ec.js";
import { generateRsa, rsaBits, rsaFromJwk, rsaToJwk } from "../crypto/rsa.js";
import { badParameter, keyNotFound, show } from "../errors.js";
import {
  checkName,
  checkNameFree,
  keyVersion,
  objectBody,
  parseAttributes,
  parseKeyOps,
  parseTags,
  type Answer,
  type VaultContext,
} from "./context.js";
import { refuseManagedKey } from "./lifecycle.js";
import { page } from "./paging.js";
import { latest, type KeyEntry, type KeyVersion, type Kty, type Material, type ReleasePolicy } from "./store.js";

const DEFAULT_OPS = new Map<"RSA" | "EC" | "oct", string[]>([
  ["RSA", ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"]],
  ["EC", ["sign", "verify"]],
  ["oct", ["deriveKey", "wrapKey", "verify", "sign", "unwrapKey", "encrypt", "decrypt"]],
]);
const defaultOps = (kty: Kty): string[] => [...DEFAULT_OPS.get(family(kty))!];

// A Map, so that a kty of "__proto__" or "constructor" is just an unknown string.
const KTY_NAMES = new Map<string, Kty>([
  ["rsa", "RSA"],
  ["rsa-hsm", "RSA-HSM"],
  ["ec", "EC"],
  ["ec-hsm", "EC-HSM"],
  ["oct", "oct"],
  ["oct-hsm", "oct-HSM"],
  ["aes", "oct-HSM"],
]);

const family = (kty: Kty): "RSA" | "EC" | "oct" => kty.replace("-HSM", "") as "RSA" | "EC" | "oct";

/** Maps a requested kty to the stored one (Managed HSM keeps everything in the HSM). */
function normalizeKty(ctx: VaultContext, raw: unknown, hsmFlag = false): Kty {
  if (typeof raw !== "string" || !raw) throw badParameter("Property 'kty' is required.");
  let kty = KTY_NAMES.get(raw.toLowerCase());
  if (!kty) throw badParameter(`Invalid kty '${raw}'. Valid key types are EC, EC-HSM, RSA, RSA-HSM, oct, oct-HSM.`);
  if (ctx.managedHsm || hsmFlag) kty = `${family(kty)}-HSM` as Kty;
  if (family(kty) === "oct" && !ctx.managedHsm)
    throw badParameter(`Key type '${raw}' is not supported by this vault: symmetric (AES) keys need a Managed HSM.`);
  return kty;
}

/** Parses release_policy input; exportable keys need one. */
function parseReleasePolicy(v: unknown): ReleasePolicy | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) throw badParameter("Property 'release_policy' must be an object.");
  const p = v as Record<string, unknown>;
  const data = fromB64(p.data);
  if (!data || data.length === 0) throw badParameter("Property 'release_policy.data' must be base64 of the policy document.");
  try {
    const doc = JSON.parse(new TextDecoder().decode(data));
    if (!doc || typeof doc !== "object") throw new Error();
  } catch {
    throw badParameter("AKV.SKR.1002: The release policy is not valid JSON.");
  }
  if (p.immutable !== undefined && typeof p.immutable !== "boolean")
    throw badParameter("Property 'release_policy.immutable' must be a boolean.");
  const contentType = typeof p.contentType === "string" ? p.contentType : "application/json; charset=utf-8";
  return { contentType, data: String(p.data), immutable: p.immutable === true };
}

async function newMaterial(kty: Kty, body: Record<string, unknown>): Promise<Material> {
  const fam = family(kty);
  if (fam === "RSA") {
    const size = body.key_size ?? 2048;
    if (size !== 2048 && size !== 3072 && size !== 4096)
      throw badParameter(`Invalid key_size ${show(size)} for RSA. Supported sizes are 2048, 3072 and 4096.`);
    const exp = body.public_exponent ?? 65537;
    if (exp !== 65537 && exp !== 3) throw badParameter(`Invalid public_exponent ${show(exp)}. Supported values are 3 and 65537.`);
    return { kind: "RSA", jwk: await generateRsa(size as number, exp as number), bits: size as number };
  }
  if (fam === "EC") {
    const crv = body.crv ?? "P-256";
    if (!isCurve(crv)) throw badParameter(`Invalid curve '${show(body.crv)}'. Supported curves are P-256, P-384, P-521 and P-256K.`);
    return { kind: "EC", key: await generateEc(crv) };
  }
  const size = body.key_size ?? 256;
  if (size !== 128 && size !== 192 && size !== 256)
    throw badParameter(`Invalid key_size ${show(size)} for an AES key. Supported sizes are 128, 192 and 256.`);
  return { kind: "oct", k: randomBytes((size as number) / 8) };
}

/**
 * Adds a version to a key, creating the key if needed (409 while a deleted key holds the name).
 * Call it after every await of the operation, so its checks and its change happen together.
 * `to`: the entry a rotation read (404 if it was deleted meanwhile).
 */
export function addVersion(
  ctx: VaultContext,
  name: string,
  v: Omit<KeyVersion, "version" | "created" | "updated">,
  to?: KeyEntry,
): { entry: KeyEntry; v: KeyVersion } {
  const version: KeyVersion = { ...v, version: randomVersion(), created: ctx.nowSeconds, updated: ctx.nowSeconds };
  const entry = ctx.store.addVersion(name, version, ctx.nowMs, to);
  return { entry, v: version };
}

/** What a create and an import ask for alike, checked in this order: key_ops (else the type's defaults), attributes, tags, release policy. */
function requestedFields(
  body: Record<string, unknown>,
  kty: KeyVersion["kty"],
  keyOpsIn: unknown,
): Omit<KeyVersion, "version" | "created" | "updated" | "material"> {
  const keyOps = parseKeyOps(keyOpsIn) ?? defaultOps(kty);
  const attrs = parseAttributes(body.attributes);
  const tags = parseTags(body.tags, "key");
  const releasePolicy = parseReleasePolicy(body.release_policy);
  if (attrs.exportable && !releasePolicy) throw badParameter("AKV.SKR.1004: Exportable keys must have release policy.");
  const exportable = attrs.exportable ?? false;
  return { kty, keyOps, enabled: attrs.enabled ?? true, nbf: attrs.nbf, exp: attrs.exp, exportable, tags, releasePolicy };
}

/** POST /keys/{name}/create */
export async function createKey(ctx: VaultContext, name: string): Promise<Answer> {
  checkName(name);
  const body = objectBody(ctx);
  const kty = normalizeKty(ctx, body.kty);
  const fields = requestedFields(body, kty, body.key_ops);
  checkNameFree(ctx, name); // fail fast; addVersion checks again once the key is made
  refuseManagedKey(ctx.store.key(name), "create");
  const { entry, v } = addVersion(ctx, name, { ...fields, material: await newMaterial(kty, body) });
  return { status: 200, body: ctx.store.bundle(entry.name, v) };
}

/** PUT /keys/{name} (import). */
export async function importKey(ctx: VaultContext, name: string): Promise<Answer> {
  checkName(name);
  const body = objectBody(ctx);
  const jwk = body.key as JsonWebKey | undefined;
  if (!jwk || typeof jwk !== "object") throw badParameter("Property 'key' (a JSON Web Key) is required.");
  if (body.Hsm !== undefined && typeof body.Hsm !== "boolean") throw badParameter("Property 'Hsm' must be a boolean.");
  const kty = normalizeKty(ctx, jwk.kty, body.Hsm === true);
  const fields = requestedFields(body, kty, jwk.key_ops);
  let material: Material;
  const fam = family(kty);
  if (fam === "RSA") {
    if (!jwk.d) throw badParameter("The imported RSA key must include the private key (d, and ideally p, q, dp, dq, qi).");
    const k = rsaFromJwk(jwk);
    if (!k) throw badParameter("The imported RSA key is not valid.");
    const bits = rsaBits(k);
    if (bits < 2048 || bits > 4096) throw badParameter(`RSA key size ${bits} is not supported. Supported sizes are 2048 to 4096 bits.`);
    const full = rsaToJwk(k);
    material = { kind: "RSA", jwk: { ...full, n: b64url(stripLeadingZeros(fromB64(full.n)!)) }, bits };
  } else if (fam === "EC") {
    if (!jwk.d) throw badParameter("The imported EC key must include the private key (d).");
    const k = await ecFromJwk(jwk);
    if (!k) throw badParameter("The imported EC key is not valid (unknown curve, or d does not match x and y).");
    material = { kind: "EC", key: k };
  } else {
    const k = fromB64(jwk.k);
    if (!k || ![16, 24, 32].includes(k.length)) throw badParameter("The imported oct key must have k of 128, 192 or 256 bits.");
    material = { kind: "oct", k };
  }
  checkNameFree(ctx, name);
  refuseManagedKey(ctx.store.key(name), "import");
  const { entry, v } = addVersion(ctx, name, { ...fields, material });
  return { status: 200, body: ctx.store.bundle(entry.name, v) };
}

/** GET /keys/{name}/{version?} */
export function getKey(ctx: VaultContext, name: string, version: string): Answer {
  const { entry, v } = keyVersion(ctx, name, version);
  return { status: 200, body: ctx.store.bundle(entry.name, v) };
}

/** PATCH /keys/{name}/{version?} */
export function updateKey(ctx: VaultContext, name: string, version: string): Answer {
  const { entry, v } = keyVersion(ctx, name, version);
  const body = objectBody(ctx);
  const keyOps = parseKeyOps(body.key_ops);
  const attrs = parseAttributes(body.attributes);
  const tags = parseTags(body.tags, "key");
  const releasePolicy = parseReleasePolicy(body.release_policy);
  const nbf = attrs.nbf ?? v.nbf,
    exp = attrs.exp ?? v.exp;
  if (nbf !== undefined && exp !== undefined && nbf >= exp)
    throw badParameter("The key's not-before time (nbf) must be earlier than its expiry time (exp).");
  if (releasePolicy && v.releasePolicy?.immutable)
    throw badParameter("AKV.SKR.1015: The release policy of this key is immutable and cannot be changed.");
  if (attrs.exportable !== undefined && attrs.exportable !== v.exportable)
    throw badParameter("The 'exportable' attribute cannot be changed after the key is created.");
  ctx.store.update(entry, () => {
    if (keyOps) v.keyOps = keyOps;
    if (attrs.enabled !== undefined) v.enabled = attrs.enabled;
    v.nbf = nbf;
    v.exp = exp;
    if (tags) v.tags = tags;
    if (releasePolicy) v.releasePolicy = releasePolicy;
    v.updated = ctx.nowSeconds;
  });
  return { status: 200, body: ctx.store.bundle(entry.name, v) };
}

/** GET /keys */
export function listKeys(ctx: VaultContext): Answer {
  const entries = ctx.store
    .keys()
    .filter((e) => (e.visibleAtMs ?? 0) <= ctx.nowMs)
    .sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
  return {
    status: 200,
    body: page(
      ctx,
      entries.map((e) => ctx.store.item(e.name, latest(e), false)),
    ),
  };
}

/** GET /keys/{name}/versions */
export function listVersions(ctx: VaultContext, name: string): Answer {
  checkName(name);
  const entry = ctx.store.key(name);
  if (!entry) throw keyNotFound(name);
  return {
    status: 200,
    body: page(
      ctx,
      entry.versions.map((v) => ctx.store.item(entry.name, v, true)),
    ),
  };
}
