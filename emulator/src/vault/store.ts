// The vault's object model: keys with versions, deleted keys, rotation policies, and how
// they render as the service's JSON (KeyBundle, KeyItem, DeletedKeyBundle).
import { b64url, fromB64 } from "../bytes.js";
import { CURVES, type EcKey } from "../crypto/ec.js";
import { conflict, keyNotFound } from "../errors.js";

/** Key types the service knows. */
export type Kty = "RSA" | "RSA-HSM" | "EC" | "EC-HSM" | "oct" | "oct-HSM";

/** Private key material; never rendered. */
export type Material = { kind: "RSA"; jwk: JsonWebKey; bits: number } | { kind: "EC"; key: EcKey } | { kind: "oct"; k: Uint8Array };

/** A release policy as stored and returned. */
export interface ReleasePolicy {
  contentType: string;
  data: string;
  immutable: boolean;
}

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
  /** The key of a certificate: its lifetime is the certificate's (set, deleted and renewed with it). */
  managed?: boolean;
}

/** A rotation policy as stored. */
export interface RotationPolicy {
  lifetimeActions: { trigger: { timeAfterCreate?: string; timeBeforeExpiry?: string }; action: { type: "Rotate" | "Notify" } }[];
  expiryTime?: string;
  created: number;
  updated: number;
}

/** A key: a name and its versions, oldest first. */
export interface KeyEntry {
  name: string;
  versions: KeyVersion[];
  rotationPolicy?: RotationPolicy /** a recovered key shows up only from this time (eventual consistency) */;
  visibleAtMs?: number;
}

/** A soft-deleted key. */
export interface DeletedEntry {
  entry: KeyEntry;
  deletedDate: number;
  scheduledPurgeDate: number /** visible in /deletedkeys from this time (eventual consistency) */;
  readyAtMs: number;
}

/** Vault-wide settings that shape rendering. */
export interface VaultInfo {
  url: string;
  managedHsm: boolean;
  recoverableDays: number;
  purgeProtection: boolean;
}

/**
 * The state of one vault's keys. Names compare case-insensitively. Every change goes through a
 * method here, each synchronous, so no other request can run between its checks and its change:
 * a name is live or deleted, never both, and nothing a request saw can change under it halfway.
 * `onChange` hears every change (the emulator persists the state then).
 */
export class Store {
  private readonly live = new Map<string, KeyEntry>();
  private readonly gone = new Map<string, DeletedEntry>();
  onChange: () => void = () => {};
  constructor(readonly info: VaultInfo) {}

  /** The live key with this name, if any. */
  key(name: string): KeyEntry | undefined {
    return this.live.get(name.toLowerCase());
  }
  /** The deleted key with this name, if any. */
  deletedKey(name: string): DeletedEntry | undefined {
    return this.gone.get(name.toLowerCase());
  }
  /** Every live key. */
  keys(): KeyEntry[] {
    return [...this.live.values()];
  }
  /** Every deleted key. */
  deletedKeys(): DeletedEntry[] {
    return [...this.gone.values()];
  }

  /** 409 while a deleted key holds the name (it can only be recovered or purged). */
  checkNameFree(name: string, nowMs: number): void {
    const d = this.deletedKey(name);
    if (!d) return;
    if (d.readyAtMs > nowMs) throw conflict(`Key ${name} is currently being deleted.`, "ObjectIsBeingDeleted");
    throw conflict(
      `Key ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the key can only be recovered or purged.`,
      "ObjectIsDeletedButRecoverable",
    );
  }

  /**
   * Adds a version, making the key if needed. With `to`, the version belongs to that entry
   * (a rotation): if the key was deleted (or replaced) meanwhile, nothing is added.
   */
  addVersion(name: string, version: KeyVersion, nowMs: number, to?: KeyEntry): KeyEntry {
    let entry = this.key(name);
    if (to) {
      if (entry !== to)
        throw entry
          ? conflict(`Key ${name} was changed by another operation while it was being rotated; retry the rotation.`)
          : keyNotFound(name);
    } else if (!entry) {
      this.checkNameFree(name, nowMs);
      entry = { name, versions: [] };
      this.live.set(name.toLowerCase(), entry);
    }
    entry.versions.push(version);
    this.onChange();
    return entry;
  }

  /** Applies a change to a live key (attributes, tags, rotation policy). */
  update<T>(entry: KeyEntry, change: () => T): T {
    if (this.key(entry.name) !== entry) throw keyNotFound(entry.name);
    const out = change();
    this.onChange();
    return out;
  }

  /** Soft-deletes a live key. */
  softDelete(entry: KeyEntry, nowSeconds: number, nowMs: number, delayMs: number): DeletedEntry {
    if (this.key(entry.name) !== entry) throw keyNotFound(entry.name);
    const d: DeletedEntry = {
      entry,
      deletedDate: nowSeconds,
      scheduledPurgeDate: nowSeconds + this.info.recoverableDays * 86400,
      readyAtMs: nowMs + delayMs,
    };
    this.live.delete(entry.name.toLowerCase());
    this.gone.set(entry.name.toLowerCase(), d);
    this.onChange();
    return d;
  }

  /** Brings a deleted key back, every version of it; 409 if the name is live again. */
  recover(d: DeletedEntry, visibleAtMs: number): KeyEntry {
    const name = d.entry.name;
    if (this.deletedKey(name) !== d) throw keyNotFound(name);
    if (this.key(name)) throw conflict(`Key ${name} cannot be recovered: a live key holds the name.`);
    this.gone.delete(name.toLowerCase());
    d.entry.visibleAtMs = visibleAtMs;
    this.live.set(name.toLowerCase(), d.entry);
    this.onChange();
    return d.entry;
  }

  /** Purges a deleted key for good. */
  purge(d: DeletedEntry): void {
    if (this.deletedKey(d.entry.name) !== d) throw keyNotFound(d.entry.name);
    this.gone.delete(d.entry.name.toLowerCase());
    this.onChange();
  }

  /** Restores a backed-up key into a name that is neither live nor deleted; false when it is taken. */
  restore(entry: KeyEntry): boolean {
    if (this.key(entry.name) || this.deletedKey(entry.name)) return false;
    this.live.set(entry.name.toLowerCase(), entry);
    this.onChange();
    return true;
  }

  /** Purges deleted keys whose scheduled purge date has passed; returns their names. */
  purgeExpired(nowSeconds: number): string[] {
    const out: string[] = [];
    for (const [k, d] of this.gone)
      if (d.scheduledPurgeDate <= nowSeconds) {
        this.gone.delete(k);
        out.push(d.entry.name);
      }
    if (out.length) this.onChange();
    return out;
  }

  /** Forgets every key, live and deleted. */
  clear(): void {
    this.live.clear();
    this.gone.clear();
    this.onChange();
  }

  /** The whole state, private material included, as JSON-safe data. */
  serialize(): StoreState {
    return {
      keys: this.keys().map((e) => serializeEntry(e, true)),
      deleted: this.deletedKeys().map((d) => ({
        entry: serializeEntry(d.entry, true),
        deletedDate: d.deletedDate,
        scheduledPurgeDate: d.scheduledPurgeDate,
        readyAtMs: d.readyAtMs,
      })),
    };
  }

  /** Replaces the state with one made by serialize(); throws (changing nothing) when it is not one. */
  deserialize(raw: unknown): void {
    if (!isRecord(raw) || !Array.isArray(raw.keys) || !Array.isArray(raw.deleted))
      throw new Error("keys: expected { keys: [], deleted: [] }");
    const live = new Map<string, KeyEntry>(),
      gone = new Map<string, DeletedEntry>();
    for (const k of raw.keys) {
      const e = deserializeEntry(k);
      if (live.has(e.name.toLowerCase())) throw new Error(`keys: ${e.name} appears twice`);
      live.set(e.name.toLowerCase(), e);
    }
    for (const d of raw.deleted) {
      if (!isRecord(d) || ![d.deletedDate, d.scheduledPurgeDate, d.readyAtMs].every((n) => typeof n === "number" && Number.isFinite(n)))
        throw new Error("keys: a deleted key lacks its dates");
      const e = deserializeEntry(d.entry);
      const k = e.name.toLowerCase();
      if (live.has(k) || gone.has(k)) throw new Error(`keys: ${e.name} is both live and deleted`);
      gone.set(k, {
        entry: e,
        deletedDate: d.deletedDate as number,
        scheduledPurgeDate: d.scheduledPurgeDate as number,
        readyAtMs: d.readyAtMs as number,
      });
    }
    this.live.clear();
    this.gone.clear();
    for (const [k, e] of live) this.live.set(k, e);
    for (const [k, d] of gone) this.gone.set(k, d);
    this.onChange();
  }

  /** recoveryLevel as the service names it for the configured retention. */
  recoveryLevel(): string {
    const level = this.info.recoverableDays >= 90 ? "Recoverable" : "CustomizedRecoverable";
    return this.info.purgeProtection ? level : `${level}+Purgeable`;
  }

  /** Key id without version. */
  kidBase(name: string): string {
    return `${this.info.url}/keys/${name}`;
  }
  /** Key id with version. */
  kid(name: string, v: KeyVersion): string {
    return `${this.kidBase(name)}/${v.version}`;
  }

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
    if (m.kind === "RSA") {
      jwk.n = m.jwk.n;
      jwk.e = m.jwk.e;
    }
    if (m.kind === "EC") {
      jwk.crv = m.key.crv;
      jwk.x = b64url(m.key.x);
      jwk.y = b64url(m.key.y);
    }
    return jwk;
  }

  /** KeyBundle JSON. */
  bundle(name: string, v: KeyVersion): Record<string, unknown> {
    const b: Record<string, unknown> = { key: this.publicJwk(name, v), attributes: this.attributes(v) };
    if (v.tags && Object.keys(v.tags).length) b.tags = { ...v.tags };
    if (v.releasePolicy) b.release_policy = { ...v.releasePolicy };
    if (v.managed) b.managed = true;
    return b;
  }

  /** KeyItem JSON (list results); `versioned` for /versions. */
  item(name: string, v: KeyVersion, versioned: boolean): Record<string, unknown> {
    const i: Record<string, unknown> = { kid: versioned ? this.kid(name, v) : this.kidBase(name), attributes: this.attributes(v) };
    if (v.tags && Object.keys(v.tags).length) i.tags = { ...v.tags };
    if (v.managed) i.managed = true;
    return i;
  }

  /** Deleted-key fields added to a bundle or item. */
  deletedFields(d: DeletedEntry): Record<string, unknown> {
    return {
      recoveryId: `${this.info.url}/deletedkeys/${d.entry.name}`,
      deletedDate: d.deletedDate,
      scheduledPurgeDate: d.scheduledPurgeDate,
    };
  }
}

/** What Store.serialize makes. */
export interface StoreState {
  keys: unknown[];
  deleted: unknown[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Key size in bits, for `attributes.key_size` (RSA and oct only, as the service reports it). */
export function keySize(v: KeyVersion): number | undefined {
  const m = v.material;
  if (m.kind === "RSA") return m.bits;
  if (m.kind === "oct") return m.k.length * 8;
  return undefined;
}

/** The newest version (the one a version-less URL names). */
export const latest = (e: KeyEntry): KeyVersion => e.versions[e.versions.length - 1]!;

const KTYS = new Set(["RSA", "RSA-HSM", "EC", "EC-HSM", "oct", "oct-HSM"]);
const VERSION_ID = /^[0-9a-f]{32}$/;
const NAME = /^[0-9a-zA-Z-]{1,127}$/;

/** Serializes a key entry with its private material (sealed backups; `withState` adds what only persistence needs). */
export function serializeEntry(e: KeyEntry, withState = false): unknown {
  return {
    name: e.name,
    rotationPolicy: e.rotationPolicy,
    ...(withState && e.visibleAtMs !== undefined ? { visibleAtMs: e.visibleAtMs } : {}),
    versions: e.versions.map((v) => ({
      ...v,
      material:
        v.material.kind === "EC"
          ? { kind: "EC", crv: v.material.key.crv, d: b64url(v.material.key.d), x: b64url(v.material.key.x), y: b64url(v.material.key.y) }
          : v.material.kind === "oct"
            ? { kind: "oct", k: b64url(v.material.k) }
            : v.material,
    })),
  };
}

/** Reverses serializeEntry; throws on anything it did not make. */
export function deserializeEntry(raw: unknown): KeyEntry {
  if (!isRecord(raw) || typeof raw.name !== "string" || !NAME.test(raw.name) || !Array.isArray(raw.versions) || raw.versions.length === 0)
    throw new Error("bad entry");
  const bytes = (s: unknown) => {
    const b = fromB64(s);
    if (!b) throw new Error("bad bytes");
    return b;
  };
  const versions = raw.versions.map((v: unknown): KeyVersion => {
    if (!isRecord(v) || typeof v.version !== "string" || !VERSION_ID.test(v.version) || typeof v.kty !== "string" || !KTYS.has(v.kty))
      throw new Error("bad version");
    if (
      !Array.isArray(v.keyOps) ||
      !v.keyOps.every((o) => typeof o === "string") ||
      typeof v.enabled !== "boolean" ||
      typeof v.created !== "number" ||
      typeof v.updated !== "number"
    )
      throw new Error("bad version attributes");
    const m = v.material;
    if (!isRecord(m)) throw new Error("bad material");
    let material: Material;
    if (m.kind === "EC" && typeof m.crv === "string" && Object.hasOwn(CURVES, m.crv))
      material = { kind: "EC", key: { crv: m.crv as EcKey["crv"], d: bytes(m.d), x: bytes(m.x), y: bytes(m.y) } };
    else if (m.kind === "oct") material = { kind: "oct", k: bytes(m.k) };
    else if (
      m.kind === "RSA" &&
      isRecord(m.jwk) &&
      typeof m.jwk.n === "string" &&
      typeof m.jwk.d === "string" &&
      typeof m.bits === "number"
    )
      material = { kind: "RSA", jwk: m.jwk as JsonWebKey, bits: m.bits };
    else throw new Error("bad material");
    return { ...(v as unknown as KeyVersion), material };
  });
  const entry: KeyEntry = { name: raw.name, versions, rotationPolicy: raw.rotationPolicy as RotationPolicy | undefined };
  if (typeof raw.visibleAtMs === "number") entry.visibleAtMs = raw.visibleAtMs;
  return entry;
}
