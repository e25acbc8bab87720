// What every vault handler receives, and the shared input rules (names, bodies, attributes).
import { fromB64 } from "../bytes.js";
import { badParameter, forbidden, keyNotFound, show } from "../errors.js";
import type { ApiShape } from "./api-version.js";
import { latest, type KeyEntry, type KeyVersion, type Store } from "./store.js";

/**
 * The object kinds an access policy lists permissions for.
 * @example
 * const kind: PermissionKind = "secrets";
 * const { accessPolicies } = emu.vault(emu.vaultUrl).exportState(); // [clientId, { keys?, secrets?, certificates? }][]
 * const secretReaders = accessPolicies.filter(([, lists]) => lists[kind]?.includes("get"));
 */
export type PermissionKind = "keys" | "secrets" | "certificates";

/** Per-request context of a vault handler. */
export interface VaultContext {
  store: Store;
  /** Current time in unix seconds (the emulator's clock). */
  nowSeconds: number;
  managedHsm: boolean;
  url: URL;
  /** Parsed JSON body (undefined when empty). */
  body: unknown;
  /** Seals and opens backup blobs. */
  seal(plain: Uint8Array): Promise<Uint8Array>;
  open(sealed: Uint8Array): Promise<Uint8Array | undefined>;
  /** Milliseconds a delete takes to become visible (eventual consistency); 0 = immediate. */
  deletionDelayMs: number;
  nowMs: number;
  /** Signs a JWS with the emulator's authority key (release, attestation). */
  signJws(payload: Record<string, unknown>): Promise<string>;
  /** PEM (SPKI) of the key behind signJws, for attestation statements. */
  signerPem(): Promise<string>;
  /** Throws 403 ForbiddenByPolicy when the caller's access policy lacks this permission (of `kind`, default "keys"). */
  requirePermission(permission: string, kind?: PermissionKind): void;
  /** What answers to the requested api-version hold. */
  shape: ApiShape;
  /** Public keys of attestation authorities the emulator trusts for key release, by issuer. */
  attestationAuthorities: Map<string, JsonWebKey[]>;
}

/** A handler's answer: status and JSON body (undefined for no body). */
export interface Answer {
  status: number;
  body?: unknown;
  /** Extra response headers (a certificate operation's Location and Retry-After). */
  headers?: Record<string, string>;
}

/**
 * A secrets or certificates path's segments, decoded. Empty segments are kept where they mean
 * something (`/secrets/{name}/` is the newest version); a bad escape is a 400, not a crash.
 */
export function pathSegments(pathname: string): string[] {
  const raw = pathname.split("/").slice(1);
  if (raw.length > 1 && raw[raw.length - 1] === "" && raw.length !== 3) raw.pop();
  try {
    return raw.map((x) => decodeURIComponent(x));
  } catch {
    throw badParameter("The request URI is not valid: it contains a malformed percent-encoding.");
  }
}

const NAME = /^[0-9a-zA-Z-]{1,127}$/;
const VERSION = /^[0-9a-fA-F]{32}$/;

/** Rejects names the service rejects. */
export function checkName(name: string): void {
  if (!NAME.test(name)) throw badParameter(`The request URI contains an invalid name: ${name}`);
}

/** Requires a JSON object body. */
export function objectBody(ctx: VaultContext): Record<string, unknown> {
  const b = ctx.body;
  if (b === undefined || b === null) throw badParameter("The request body is missing or empty. A JSON object is required.");
  if (typeof b !== "object" || Array.isArray(b)) throw badParameter("The request body must be a JSON object.");
  return b as Record<string, unknown>;
}

/** A required base64url field, decoded. */
export function bytesField(body: Record<string, unknown>, field: string, required = true): Uint8Array | undefined {
  const v = body[field];
  if (v === undefined || v === null) {
    if (required) throw badParameter(`Property '${field}' is required.`);
    return undefined;
  }
  const b = fromB64(v);
  if (!b) throw badParameter(`Property '${field}' is not valid base64url.`);
  return b;
}

/** The live key or 404. */
export function liveKey(ctx: VaultContext, name: string): KeyEntry {
  checkName(name);
  const e = ctx.store.key(name);
  if (!e || (e.visibleAtMs ?? 0) > ctx.nowMs) throw keyNotFound(name);
  return e;
}

/** Resolves a version ("" = latest) or 404. */
export function keyVersion(ctx: VaultContext, name: string, version: string): { entry: KeyEntry; v: KeyVersion } {
  const entry = liveKey(ctx, name);
  if (!version) return { entry, v: latest(entry) };
  const v = VERSION.test(version) ? entry.versions.find((x) => x.version === version.toLowerCase()) : undefined;
  if (!v) throw keyNotFound(`${name}/${version}`);
  return { entry, v };
}

/** A name held by a deleted key cannot be reused until purged or recovered. */
export function checkNameFree(ctx: VaultContext, name: string): void {
  ctx.store.checkNameFree(name, ctx.nowMs);
}

/**
 * Operations the nbf/exp window governs. As the service documents ("Date-time controlled
 * operations"), a key outside its window still decrypts, unwraps and verifies, so data protected
 * earlier stays readable; making new ciphertexts or signatures (and releasing the key) is refused.
 */
const DATE_CONTROLLED_OPS = new Set(["encrypt", "wrapKey", "sign", "release"]);

/** Enforces enabled / nbf / exp and key_ops before a cryptographic operation (403 otherwise). */
export function checkUsable(ctx: VaultContext, v: KeyVersion, op: string, requireKeyOp = true): void {
  if (!v.enabled) throw forbidden(`Operation ${op} is not allowed on a disabled key.`, "KeyDisabled");
  if (DATE_CONTROLLED_OPS.has(op)) {
    if (v.nbf !== undefined && v.nbf > ctx.nowSeconds)
      throw forbidden(`Operation ${op} is not allowed before the key's activation date (nbf).`, "KeyNotYetValid");
    if (v.exp !== undefined && v.exp <= ctx.nowSeconds) throw forbidden(`Operation ${op} is not allowed on an expired key.`, "KeyExpired");
  }
  if (requireKeyOp && !v.keyOps.includes(op))
    throw forbidden(`Operation ${op} is not permitted for this key (key_ops: ${v.keyOps.join(", ")}).`, "KeyOperationForbidden");
}

/** key_ops the service accepts. */
export const KEY_OPS = ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey", "import", "export", "deriveKey"];

/** Validates key_ops input. */
export function parseKeyOps(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw badParameter("Property 'key_ops' must be an array of strings.");
  for (const op of v)
    if (typeof op !== "string" || !KEY_OPS.includes(op))
      throw badParameter(`Invalid key operation: ${show(op)}. Valid operations are ${KEY_OPS.join(", ")}.`);
  return [...new Set(v as string[])];
}

/** A purge's 403 in a vault with purge protection, for keys, secrets and certificates alike. */
export function refusePurgeIfProtected(info: { purgeProtection: boolean }): void {
  if (info.purgeProtection)
    throw forbidden(
      `Operation "purge" is not allowed because purge protection is enabled for this vault. Key Vault service will automatically purge it after the retention period has passed.`,
      "VaultPurgeProtectionEnabled",
    );
}

/** Validates tags input: at most 15, string values, names up to 512 and values up to 256 characters. */
export function parseTags(v: unknown, kind: "key" | "secret" | "certificate"): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) throw badParameter("Property 'tags' must be an object of string values.");
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length > 15) throw badParameter(`A ${kind} can have at most 15 tags.`);
  for (const [k, val] of entries) {
    if (typeof val !== "string") throw badParameter(`Tag '${k}' must have a string value.`);
    if (k.length > 512 || val.length > 256) throw badParameter(`Tag '${k}' is too long (names up to 512, values up to 256 characters).`);
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

/** Parsed `attributes` input. */
export interface AttributesInput {
  enabled?: boolean;
  nbf?: number;
  exp?: number;
  exportable?: boolean;
}

/** Validates `attributes` input (times are unix seconds); `exportable` exists for keys only. */
export function parseAttributes(v: unknown, kind: "key" | "secret" = "key"): AttributesInput {
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) throw badParameter("Property 'attributes' must be an object.");
  const a = v as Record<string, unknown>;
  const out: AttributesInput = {};
  if (a.enabled !== undefined && a.enabled !== null) {
    if (typeof a.enabled !== "boolean") throw badParameter("Property 'attributes.enabled' must be a boolean.");
    out.enabled = a.enabled;
  }
  for (const f of ["nbf", "exp"] as const) {
    if (a[f] === undefined || a[f] === null) continue;
    if (typeof a[f] !== "number" || !Number.isInteger(a[f]) || (a[f] as number) < 0)
      throw badParameter(`Property 'attributes.${f}' must be a unix time in seconds.`);
    out[f] = a[f] as number;
  }
  if (kind === "key" && a.exportable !== undefined && a.exportable !== null) {
    if (typeof a.exportable !== "boolean") throw badParameter("Property 'attributes.exportable' must be a boolean.");
    out.exportable = a.exportable;
  }
  if (out.nbf !== undefined && out.exp !== undefined && out.nbf >= out.exp)
    throw badParameter(`The ${kind}'s not-before time (nbf) must be earlier than its expiry time (exp).`);
  return out;
}
