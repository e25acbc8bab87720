// What keys, secrets and certificates share between the wire and the typed model: unix seconds and
// Dates, the members every item has (identifier, enabled, the four times) and those of a deleted one.
import { describe, invalid } from "./input.js";

/** Unix seconds -> Date (undefined for anything else). */
export const date = (seconds: unknown): Date | undefined => (typeof seconds === "number" ? new Date(seconds * 1000) : undefined);

/** Date -> unix seconds, refusing anything that is not a valid Date. */
export function unixSeconds(value: Date, what: string): number {
  if (!(value instanceof Date) || Number.isNaN(value.getTime()))
    throw invalid(`${what} must be a valid Date; got ${value instanceof Date ? "an invalid Date" : describe(value)}`);
  return Math.floor(value.getTime() / 1000);
}

// `{ a: undefined }` and `{}` are the same thing to us; keep only the defined members so objects compare
// and print cleanly (copied, not deleted from: `delete` turns an object into a slow dictionary).
export function compact<T extends object>(object: T): T {
  const out = {} as T;
  for (const k in object) if (object[k] !== undefined) out[k] = object[k];
  return out;
}

/** The attributes every item (key, secret, certificate) has on the wire (unix seconds). */
export interface RestItemAttributes {
  enabled?: boolean;
  nbf?: number;
  exp?: number;
  created?: number;
  updated?: number;
  recoverableDays?: number;
  recoveryLevel?: string;
}

/**
 * The members every item's properties start with: its identifier, what the identifier names, and
 * its attributes (`undefined` where the wire has none: the caller compacts).
 */
export function itemProperties(id: string, named: { name: string; version: string; vaultUrl: string }, a: RestItemAttributes) {
  return {
    id,
    name: named.name,
    version: named.version,
    vaultUrl: named.vaultUrl,
    enabled: a.enabled,
    notBefore: date(a.nbf),
    expiresOn: date(a.exp),
    createdOn: date(a.created),
    updatedOn: date(a.updated),
  };
}

/** A deleted item's own members (DeletedKeyBundle, DeletedSecretItem, DeletedCertificateBundle, ...). */
export function deletion(b: { recoveryId?: string; deletedDate?: number; scheduledPurgeDate?: number }) {
  return { recoveryId: b.recoveryId, deletedOn: date(b.deletedDate), scheduledPurgeDate: date(b.scheduledPurgeDate) };
}
