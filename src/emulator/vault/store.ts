// The vault's object model: keys with versions, deleted keys, rotation policies, and how
// they render as the service's JSON (KeyBundle, KeyItem, DeletedKeyBundle).
import { b64url, fromB64 } from "../bytes.js";
import type { EcKey } from "../crypto/ec.js";

/** Key types the service knows. */
export type Kty = "RSA" | "RSA-HSM" | "EC" | "EC-HSM" | "oct" | "oct-HSM";

/** Private key material; never rendered. */
export type Material =
  | { kind: "RSA"; jwk: JsonWebKey; bits: number }
  | { kind: "EC"; key: EcKey }
  | { kind: "oct"; k: Uint8Array };

/** A release policy as stored and returned. */
export interface ReleasePolicy { contentType: string; data: string; immutable: boolean }

/** One version of a key. */
export interface KeyVersion {
  version: string;
  kty: Kty;
  material: Material;
  keyOps: string[];
  enabled: boolean;
  nbf?: number;
  exp?: number;
  created: number;
  updated: number;
  exportable: boolean;
  tags?: Record<string, string>;
  releasePolicy?: ReleasePolicy;
}

/** A rotation policy as stored. */
export interface RotationPolicy {
  lifetimeActions: { trigger: { timeAfterCreate?: string; timeBeforeExpiry?: string }; action: { type: "Rotate" | "Notify" } }[];
  expiryTime?: string;
  created: number;
  updated: number;
}

/** A key: a name and its versions, oldest first. */
export interface KeyEntry { name: string; versions: KeyVersion[]; rotationPolicy?: RotationPolicy; /** a recovered key shows up only from this time (eventual consistency) */ visibleAtMs?: number }

/** A soft-deleted key. */
export interface DeletedEntry { entry: KeyEntry; deletedDate: number; scheduledPurgeDate: number; /** visible in /deletedkeys from this time (eventual consistency) */ readyAtMs: number }

/** Vault-wide settings that shape rendering. */
export interface VaultInfo { url: string; managedHsm: boolean; recoverableDays: number; purgeProtection: boolean }

/** The in-memory state of one vault. Names compare case-insensitively. */
export class Store {
  readonly keys = new Map<string, KeyEntry>();
  readonly deleted = new Map<string, DeletedEntry>();
  constructor(readonly info: VaultInfo) {}

  /** The live key with this name, if any. */
  key(name: string): KeyEntry | undefined { return this.keys.get(name.toLowerCase()); }
  /** The deleted key with this name, if any. */
  deletedKey(name: string): DeletedEntry | undefined { return this.deleted.get(name.toLowerCase()); }

  /** recoveryLevel as the service names it for the configured retention. */
  recoveryLevel(): string {
    const level = this.info.recoverableDays >= 90 ? "Recoverable" : "CustomizedRecoverable";
    return this.info.purgeProtection ? level : `${level}+Purgeable`;
  }

  /** Key id without version. */
  kidBase(name: string): string { return `${this.info.url}/keys/${name}`; }
  /** Key id with version. */
  kid(name: string, v: KeyVersion): string { return `${this.kidBase(name)}/${v.version}`; }

  /** The `attributes` object of a version. */
  attributes(v: KeyVersion): Record<string, unknown> {
    const a: Record<string, unknown> = { enabled: v.enabled };
    if (v.nbf !== undefined) a.nbf = v.nbf;
    if (v.exp !== undefined) a.exp = v.exp;
    const size = keySize(v);
    if (size !== undefined) a.key_size = size;
    a.created = v.created;
    a.updated = v.updated;
    a.recoveryLevel = this.recoveryLevel();
    a.recoverableDays = this.info.recoverableDays;
    a.exportable = v.exportable;
    if (!this.info.managedHsm) a.hsmPlatform = v.kty.endsWith("-HSM") ? "2" : "0";
    return a;
  }

  /** The public JWK of a version, with kid and key_ops (private parts never leave). */
  publicJwk(name: string, v: KeyVersion): Record<string, unknown> {
    const jwk: Record<string, unknown> = { kid: this.kid(name, v), kty: v.kty, key_ops: [...v.keyOps] };
    const m = v.material;
    if (m.kind === "RSA") { jwk.n = m.jwk.n; jwk.e = m.jwk.e; }
    if (m.kind === "EC") { jwk.crv = m.key.crv; jwk.x = b64url(m.key.x); jwk.y = b64url(m.key.y); }
    return jwk;
  }

  /** KeyBundle JSON. */
  bundle(name: string, v: KeyVersion): Record<string, unknown> {
    const b: Record<string, unknown> = { key: this.publicJwk(name, v), attributes: this.attributes(v) };
    if (v.tags && Object.keys(v.tags).length) b.tags = { ...v.tags };
    if (v.releasePolicy) b.release_policy = { ...v.releasePolicy };
    return b;
  }

  /** KeyItem JSON (list results); `versioned` for /versions. */
  item(name: string, v: KeyVersion, versioned: boolean): Record<string, unknown> {
    const i: Record<string, unknown> = { kid: versioned ? this.kid(name, v) : this.kidBase(name), attributes: this.attributes(v) };
    if (v.tags && Object.keys(v.tags).length) i.tags = { ...v.tags };
    return i;
  }

  /** Deleted-key fields added to a bundle or item. */
  deletedFields(d: DeletedEntry): Record<string, unknown> {
    return { recoveryId: `${this.info.url}/deletedkeys/${d.entry.name}`, deletedDate: d.deletedDate, scheduledPurgeDate: d.scheduledPurgeDate };
  }
}

/** Key size in bits, for `attributes.key_size` (RSA and oct only, as the service reports it). */
export function keySize(v: KeyVersion): number | undefined {
  const m = v.material;
  if (m.kind === "RSA") return m.bits;
  if (m.kind === "oct") return m.k.length * 8;
  return undefined;
}

/** The newest version (the one a version-less URL names). */
export const latest = (e: KeyEntry): KeyVersion => e.versions[e.versions.length - 1]!;

/** Serializes a key entry with its private material (for sealed backups). */
export function serializeEntry(e: KeyEntry): unknown {
  return {
    name: e.name,
    rotationPolicy: e.rotationPolicy,
    versions: e.versions.map((v) => ({
      ...v,
      material: v.material.kind === "EC"
        ? { kind: "EC", crv: v.material.key.crv, d: b64url(v.material.key.d), x: b64url(v.material.key.x), y: b64url(v.material.key.y) }
        : v.material.kind === "oct" ? { kind: "oct", k: b64url(v.material.k) } : v.material,
    })),
  };
}

/** Reverses serializeEntry; throws on anything unexpected. */
export function deserializeEntry(raw: any): KeyEntry {
  if (!raw || typeof raw.name !== "string" || !Array.isArray(raw.versions) || raw.versions.length === 0) throw new Error("bad entry");
  const bytes = (s: unknown) => { const b = fromB64(s); if (!b) throw new Error("bad bytes"); return b; };
  return {
    name: raw.name,
    rotationPolicy: raw.rotationPolicy,
    versions: raw.versions.map((v: any) => ({
      ...v,
      material: v.material.kind === "EC"
        ? { kind: "EC", key: { crv: v.material.crv, d: bytes(v.material.d), x: bytes(v.material.x), y: bytes(v.material.y) } }
        : v.material.kind === "oct" ? { kind: "oct", k: bytes(v.material.k) } : v.material,
    })),
  };
}
