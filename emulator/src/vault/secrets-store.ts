// The vault's secrets: names with versions, soft-deleted secrets, names still being purged, and
// how they render as the service's JSON (SecretBundle, SecretItem, DeletedSecretBundle). Kept apart
// from the keys Store so a persistence layer can save it with serialize() and load it with
// deserialize(), and a clock can run sweep().

/** One version of a secret. */
export interface SecretVersion {
  version: string;
  value: string;
  contentType?: string;
  /** Tags as entries (user input: never used as an object's keys here). */
  tags?: [string, string][];
  enabled: boolean;
  nbf?: number;
  exp?: number;
  created: number;
  updated: number;
  /** Set for secrets that back a certificate (never by SetSecret). */
  managed?: boolean;
  kid?: string;
  previousVersion?: string;
}

/** A secret: its name as first written, and its versions in creation order. */
export interface SecretEntry {
  name: string;
  versions: SecretVersion[];
  /** A recovered secret shows up only from this time (the service completes recovery in the background). */
  visibleAtMs?: number;
}

/** A soft-deleted secret. */
export interface DeletedSecretEntry {
  entry: SecretEntry;
  deletedDate: number;
  scheduledPurgeDate: number;
  /** Visible in /deletedsecrets from this time (the service completes deletion in the background). */
  readyAtMs: number;
}

/** Vault-wide settings that shape rendering. */
export interface SecretVaultInfo {
  url: string;
  recoverableDays: number;
  purgeProtection: boolean;
}

/** What serialize() returns: plain JSON, no Maps. */
export interface SecretStoreSnapshot {
  format: "keyvault-fetch-emulator-secrets/1";
  live: SecretEntry[];
  deleted: DeletedSecretEntry[];
  purging: [string, number][];
}

/** The secrets of one vault. Names compare case-insensitively; every map is a Map. */
export class SecretStore {
  readonly live = new Map<string, SecretEntry>();
  readonly deleted = new Map<string, DeletedSecretEntry>();
  /** Names purged but not yet free again (the service finishes a purge in the background): until ms. */
  readonly purging = new Map<string, number>();

  constructor(readonly info: SecretVaultInfo) {}

  /** The live secret (visible or not yet), by name. */
  secret(name: string): SecretEntry | undefined {
    return this.live.get(name.toLowerCase());
  }
  /** The deleted secret, by name. */
  deletedSecret(name: string): DeletedSecretEntry | undefined {
    return this.deleted.get(name.toLowerCase());
  }

  /**
   * Moves time forward: deleted secrets past their scheduled purge date are gone, purges that
   * finished free their names. The router runs it on every request; a clock may run it too.
   */
  sweep(nowMs: number): void {
    const nowSeconds = Math.floor(nowMs / 1000);
    for (const [k, d] of this.deleted) if (d.scheduledPurgeDate <= nowSeconds) this.deleted.delete(k);
    for (const [k, until] of this.purging) if (until <= nowMs) this.purging.delete(k);
  }

  /** A JSON-safe copy of everything (values included: keep it as safe as the vault). */
  serialize(): SecretStoreSnapshot {
    const copy = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
    return {
      format: "keyvault-fetch-emulator-secrets/1",
      live: copy([...this.live.values()]),
      deleted: copy([...this.deleted.values()]),
      purging: [...this.purging],
    };
  }

  /** Rebuilds a store from serialize()'s output; throws on anything malformed. */
  static deserialize(snapshot: unknown, info: SecretVaultInfo): SecretStore {
    // A copy, so the caller's object and the store never share state.
    const s = (snapshot === undefined ? null : JSON.parse(JSON.stringify(snapshot))) as Partial<SecretStoreSnapshot> | null;
    if (
      !s ||
      s.format !== "keyvault-fetch-emulator-secrets/1" ||
      !Array.isArray(s.live) ||
      !Array.isArray(s.deleted) ||
      !Array.isArray(s.purging)
    ) {
      throw new TypeError("not a secrets snapshot");
    }
    const store = new SecretStore(info);
    for (const e of s.live) store.live.set(checkEntry(e).name.toLowerCase(), e);
    for (const d of s.deleted) {
      if (!d || typeof d.deletedDate !== "number" || typeof d.scheduledPurgeDate !== "number" || typeof d.readyAtMs !== "number")
        throw new TypeError("bad deleted secret");
      store.deleted.set(checkEntry(d.entry).name.toLowerCase(), d);
    }
    for (const p of s.purging) {
      if (!Array.isArray(p) || typeof p[0] !== "string" || typeof p[1] !== "number") throw new TypeError("bad purge entry");
      store.purging.set(p[0].toLowerCase(), p[1]);
    }
    return store;
  }

  /** recoveryLevel as the service names it for the configured retention. */
  recoveryLevel(): string {
    const level = this.info.recoverableDays >= 90 ? "Recoverable" : "CustomizedRecoverable";
    return this.info.purgeProtection ? level : `${level}+Purgeable`;
  }

  /** Secret id without version. */
  idBase(name: string): string {
    return `${this.info.url}/secrets/${name}`;
  }
  /** Secret id with version. */
  id(name: string, v: SecretVersion): string {
    return `${this.idBase(name)}/${v.version}`;
  }

  /** The `attributes` object of a version. */
  attributes(v: SecretVersion): Record<string, unknown> {
    const a: Record<string, unknown> = { enabled: v.enabled };
    if (v.nbf !== undefined) a.nbf = v.nbf;
    if (v.exp !== undefined) a.exp = v.exp;
    a.created = v.created;
    a.updated = v.updated;
    a.recoveryLevel = this.recoveryLevel();
    a.recoverableDays = this.info.recoverableDays;
    return a;
  }

  /** SecretBundle JSON; `withValue` false for the answers that carry none (update, recover, restore, delete). */
  bundle(name: string, v: SecretVersion, withValue: boolean): Record<string, unknown> {
    const b: Record<string, unknown> = {};
    if (withValue) b.value = v.value;
    if (v.contentType !== undefined) b.contentType = v.contentType;
    b.id = this.id(name, v);
    if (v.managed) b.managed = true;
    b.attributes = this.attributes(v);
    if (v.tags?.length) b.tags = Object.fromEntries(v.tags);
    if (v.kid) b.kid = v.kid;
    if (v.previousVersion) b.previousVersion = v.previousVersion;
    return b;
  }

  /** SecretItem JSON (list results); `versioned` for /versions. */
  item(name: string, v: SecretVersion, versioned: boolean): Record<string, unknown> {
    const i: Record<string, unknown> = {};
    if (v.contentType !== undefined) i.contentType = v.contentType;
    i.id = versioned ? this.id(name, v) : this.idBase(name);
    if (v.managed) i.managed = true;
    i.attributes = this.attributes(v);
    if (v.tags?.length) i.tags = Object.fromEntries(v.tags);
    return i;
  }

  /** The deleted-secret fields that come first in a deleted bundle or item. */
  deletedFields(d: DeletedSecretEntry): Record<string, unknown> {
    return {
      recoveryId: `${this.info.url}/deletedsecrets/${d.entry.name}`,
      deletedDate: d.deletedDate,
      scheduledPurgeDate: d.scheduledPurgeDate,
    };
  }
}

/** The newest version (the one a version-less URL names). */
export const latestSecret = (e: SecretEntry): SecretVersion => e.versions[e.versions.length - 1]!;

/** Checks the shape of a secret entry read back from a snapshot or a backup. */
export function checkEntry(raw: unknown): SecretEntry {
  const e = raw as SecretEntry | null;
  if (!e || typeof e.name !== "string" || !/^[0-9a-zA-Z-]{1,127}$/.test(e.name) || !Array.isArray(e.versions) || e.versions.length === 0)
    throw new TypeError("bad secret entry");
  for (const v of e.versions) {
    if (
      !v ||
      typeof v.version !== "string" ||
      typeof v.value !== "string" ||
      typeof v.enabled !== "boolean" ||
      typeof v.created !== "number" ||
      typeof v.updated !== "number"
    )
      throw new TypeError("bad secret version");
    if (
      v.tags !== undefined &&
      !(Array.isArray(v.tags) && v.tags.every((t) => Array.isArray(t) && typeof t[0] === "string" && typeof t[1] === "string"))
    )
      throw new TypeError("bad tags");
  }
  return e;
}
