// The vault's certificates: names with versions and a policy, the pending operation, deleted
// certificates, contacts and issuers, and how they render as the service's JSON (CertificateBundle,
// CertificateItem, CertificateOperation, DeletedCertificateBundle, Contacts, IssuerBundle). The
// linked key and secret live in the keys Store and the secrets store, under the same name and version.
import { b64url } from "../bytes.js";
import type { CertificatePolicy } from "./certificate-policy.js";

/** One version of a certificate. `cer` is absent while its operation is pending (or was cancelled). */
export interface CertificateVersion {
  version: string;
  /** DER, standard base64. */
  cer?: string;
  /** base64url(SHA-1(cer)). */
  x5t?: string;
  enabled: boolean;
  nbf: number;
  exp: number;
  created: number;
  updated: number;
  tags?: [string, string][];
  /** Lifetime actions already run for this version (indexes into the policy's list). */
  actionsDone?: number[];
}

/** The operation that issues a version (create, renewal), kept after it completes until deleted or replaced. */
export interface CertificateOperation {
  requestId: string;
  version: string;
  issuer: string;
  /** PKCS#10, standard base64. */
  csr: string;
  cancellationRequested: boolean;
  status: "inProgress" | "completed" | "cancelled" | "failed";
  statusDetails?: string;
  /** When a Self (or named) issuer's certificate is issued, by the emulator's clock. */
  dueAtMs: number;
  /** The pending private key, serialized as the keys Store serializes key material. */
  key: unknown;
  error?: { code: string; message: string };
}

/** A certificate: its versions (oldest first), policy and operation. */
export interface CertificateEntry {
  name: string;
  versions: CertificateVersion[];
  policy: CertificatePolicy;
  operation?: CertificateOperation;
  visibleAtMs?: number;
}

/** A soft-deleted certificate. */
export interface DeletedCertificate {
  entry: CertificateEntry;
  deletedDate: number;
  scheduledPurgeDate: number;
  readyAtMs: number;
}

/** A certificate issuer as stored (never called: the emulator has no CA). */
export interface Issuer {
  name: string;
  provider: string;
  credentials?: Record<string, unknown>;
  org_details?: Record<string, unknown>;
  enabled: boolean;
  created: number;
  updated: number;
}

/** Vault-wide settings that shape rendering. */
export interface CertificateVaultInfo {
  url: string;
  recoverableDays: number;
  purgeProtection: boolean;
}

const FORMAT = "keyvault-fetch-emulator-certificates/1";

/** The certificates of one vault. Names compare case-insensitively; every map is a Map. */
export class CertificateStore {
  readonly live = new Map<string, CertificateEntry>();
  readonly deleted = new Map<string, DeletedCertificate>();
  readonly issuers = new Map<string, Issuer>();
  contacts: Record<string, unknown>[] | undefined;

  constructor(readonly info: CertificateVaultInfo) {}

  certificate(name: string): CertificateEntry | undefined {
    return this.live.get(name.toLowerCase());
  }
  deletedCertificate(name: string): DeletedCertificate | undefined {
    return this.deleted.get(name.toLowerCase());
  }

  /** A JSON-safe copy of everything (private keys of pending operations included). */
  serialize(): unknown {
    const copy = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
    return {
      format: FORMAT,
      live: copy([...this.live.values()]),
      deleted: copy([...this.deleted.values()]),
      issuers: copy([...this.issuers.values()]),
      contacts: copy(this.contacts ?? null),
    };
  }

  /** Rebuilds a store from serialize()'s output; throws on anything else. */
  static deserialize(raw: unknown, info: CertificateVaultInfo): CertificateStore {
    const s = (raw === undefined ? null : JSON.parse(JSON.stringify(raw))) as Record<string, unknown> | null;
    if (!s || s.format !== FORMAT || !Array.isArray(s.live) || !Array.isArray(s.deleted) || !Array.isArray(s.issuers))
      throw new TypeError("not a certificates snapshot");
    const store = new CertificateStore(info);
    for (const e of s.live) store.live.set(checkCertificate(e).name.toLowerCase(), e as CertificateEntry);
    for (const d of s.deleted as DeletedCertificate[]) {
      if (!d || typeof d.deletedDate !== "number" || typeof d.scheduledPurgeDate !== "number" || typeof d.readyAtMs !== "number")
        throw new TypeError("bad deleted certificate");
      store.deleted.set(checkCertificate(d.entry).name.toLowerCase(), d);
    }
    for (const i of s.issuers as Issuer[]) {
      if (!i || typeof i.name !== "string" || typeof i.provider !== "string") throw new TypeError("bad issuer");
      store.issuers.set(i.name.toLowerCase(), i);
    }
    if (s.contacts !== null && s.contacts !== undefined) {
      if (!Array.isArray(s.contacts)) throw new TypeError("bad contacts");
      store.contacts = s.contacts as Record<string, unknown>[];
    }
    return store;
  }

  recoveryLevel(): string {
    const level = this.info.recoverableDays >= 90 ? "Recoverable" : "CustomizedRecoverable";
    return this.info.purgeProtection ? level : `${level}+Purgeable`;
  }

  idBase(name: string): string {
    return `${this.info.url}/certificates/${name}`;
  }

  attributes(v: CertificateVersion): Record<string, unknown> {
    return {
      enabled: v.enabled,
      nbf: v.nbf,
      exp: v.exp,
      created: v.created,
      updated: v.updated,
      recoveryLevel: this.recoveryLevel(),
      recoverableDays: this.info.recoverableDays,
    };
  }

  policy(name: string, p: CertificatePolicy): Record<string, unknown> {
    return { id: `${this.idBase(name)}/policy`, ...p };
  }

  /** CertificateBundle JSON: kid, sid, x5t and cer once issued; `pending` while an operation exists. */
  bundle(e: CertificateEntry, v: CertificateVersion): Record<string, unknown> {
    const b: Record<string, unknown> = { id: `${this.idBase(e.name)}/${v.version}` };
    if (v.cer) {
      b.kid = `${this.info.url}/keys/${e.name}/${v.version}`;
      b.sid = `${this.info.url}/secrets/${e.name}/${v.version}`;
      b.x5t = v.x5t;
      b.cer = v.cer;
    }
    b.attributes = this.attributes(v);
    if (v.tags?.length) b.tags = Object.fromEntries(v.tags);
    b.policy = this.policy(e.name, e.policy);
    if (e.operation) b.pending = { id: `${this.idBase(e.name)}/pending` };
    return b;
  }

  /** CertificateItem JSON; `versioned` for /versions. */
  item(e: CertificateEntry, v: CertificateVersion, versioned: boolean): Record<string, unknown> {
    const i: Record<string, unknown> = { id: versioned ? `${this.idBase(e.name)}/${v.version}` : this.idBase(e.name) };
    if (v.x5t) i.x5t = v.x5t;
    i.attributes = this.attributes(v);
    if (v.tags?.length) i.tags = Object.fromEntries(v.tags);
    return i;
  }

  /** CertificateOperation JSON. */
  operation(e: CertificateEntry, op: CertificateOperation): Record<string, unknown> {
    const o: Record<string, unknown> = {
      id: `${this.idBase(e.name)}/pending`,
      issuer: { name: op.issuer },
      csr: op.csr,
      cancellation_requested: op.cancellationRequested,
      status: op.status,
    };
    if (op.statusDetails !== undefined) o.status_details = op.statusDetails;
    if (op.error) o.error = op.error;
    if (op.status === "completed") o.target = this.idBase(e.name);
    o.request_id = op.requestId;
    return o;
  }

  deletedFields(d: DeletedCertificate): Record<string, unknown> {
    return {
      recoveryId: `${this.info.url}/deletedcertificates/${d.entry.name}`,
      deletedDate: d.deletedDate,
      scheduledPurgeDate: d.scheduledPurgeDate,
    };
  }

  issuer(i: Issuer): Record<string, unknown> {
    const out: Record<string, unknown> = { id: `${this.info.url}/certificates/issuers/${i.name}`, provider: i.provider };
    if (i.credentials) out.credentials = i.credentials;
    if (i.org_details) out.org_details = i.org_details;
    out.attributes = { enabled: i.enabled, created: i.created, updated: i.updated };
    return out;
  }
}

/** The version a version-less URL names: the newest issued one, or the pending one before any is issued. */
export function currentVersion(e: CertificateEntry): CertificateVersion {
  for (let i = e.versions.length - 1; i >= 0; i--) if (e.versions[i]!.cer) return e.versions[i]!;
  return e.versions[e.versions.length - 1]!;
}

/** x5t: base64url of the SHA-1 of the DER certificate. */
export async function thumbprint(der: Uint8Array): Promise<string> {
  return b64url(new Uint8Array(await crypto.subtle.digest("SHA-1", new Uint8Array(der))));
}

/** Checks the shape of a certificate entry read back from a snapshot or a backup. */
export function checkCertificate(raw: unknown): CertificateEntry {
  const e = raw as CertificateEntry | null;
  if (!e || typeof e.name !== "string" || !/^[0-9a-zA-Z-]{1,127}$/.test(e.name) || !Array.isArray(e.versions) || !e.policy)
    throw new TypeError("bad certificate entry");
  for (const v of e.versions)
    if (!v || typeof v.version !== "string" || typeof v.enabled !== "boolean" || typeof v.nbf !== "number" || typeof v.exp !== "number")
      throw new TypeError("bad certificate version");
  return e;
}
